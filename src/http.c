/*
 * Process-wide libcurl set-up.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"

int
http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
http_global_cleanup(void)
{
	curl_global_cleanup();
}

const char *
http_library_version(void)
{
	static char buf[128];
	const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);

	snprintf(buf, sizeof(buf), "%s (%s)", vi->version,
		 vi->ssl_version ? vi->ssl_version : "no TLS");
	return buf;
}

int
http_probe(struct http_probe *out, const char *url, const char *ca_pem,
	   size_t ca_len, long timeout_ms)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *h = curl_easy_init();
	CURLcode rc;
	char *ip = NULL;
	double t = 0;

	memset(out, 0, sizeof(*out));
	out->tls = strncasecmp(url, "https://", 8) == 0;
	if (!h) {
		snprintf(out->detail, sizeof(out->detail),
			 "cannot initialise libcurl");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	if (ca_pem) {
		struct curl_blob blob;

		blob.data = (void *)(uintptr_t)ca_pem;
		blob.len = ca_len;
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	rc = curl_easy_perform(h);
	if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
		snprintf(out->address, sizeof(out->address), "%s", ip);
	if (curl_easy_getinfo(h, CURLINFO_CONNECT_TIME, &t) == CURLE_OK)
		out->connect_ms = (long)(t * 1000);
	snprintf(out->detail, sizeof(out->detail), "%s",
		 *errbuf ? errbuf : curl_easy_strerror(rc));
	switch (rc) {
	case CURLE_OK:
		out->stage = HTTP_PROBE_OK;
		out->detail[0] = '\0';
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		out->stage = HTTP_PROBE_URL;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		out->stage = HTTP_PROBE_DNS;
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		out->stage = out->connect_ms > 0 && out->tls
				     ? HTTP_PROBE_TLS
				     : HTTP_PROBE_CONNECT;
		break;
	default:
		out->stage = HTTP_PROBE_TLS;
		break;
	}
	if (out->stage == HTTP_PROBE_TLS) {
		const char *d = out->detail;

		out->tls_unknown_ca = strstr(d, "unable to get local issuer") ||
				      strstr(d, "self-signed") ||
				      strstr(d, "self signed") ||
				      strstr(d, "unknown ca");
		out->tls_name_mismatch = strstr(d, "subjectAltName") ||
					 strstr(d, "does not match") ||
					 strstr(d, "no alternative");
		out->tls_expired = strstr(d, "expired") != NULL;
	}
	curl_easy_cleanup(h);
	return out->stage == HTTP_PROBE_OK ? 0 : -1;
}

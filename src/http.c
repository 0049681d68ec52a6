/*
 * Process-wide libcurl set-up.
 */
#include <stdio.h>

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

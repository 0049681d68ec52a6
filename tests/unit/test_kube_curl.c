/*
 * kube over the real libcurl transport, against a scripted plain-HTTP
 * server in a child process on 127.0.0.1 (an ephemeral port; stopped by
 * its PID).  It checks what the transport hook cannot: the request line,
 * headers and body curl sends, that one connection is reused, that the
 * Retry-After header is read, that a chunked watch stream is consumed as
 * it arrives, and that a refused connection names the server.  The
 * Kubernetes semantics are covered by test_kube.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "errors.h"
#include "http.h"
#include "kube.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "test.h"

struct server {
	pid_t pid;
	int port;
	char log[64]; /* what the server received */
};

/* Read one request (headers and Content-Length body) into buf. */
static ssize_t
read_request(int fd, char *buf, size_t cap, size_t *have)
{
	for (;;) {
		char *end;

		buf[*have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end) {
			size_t hlen = (size_t)(end - buf) + 4;
			const char *cl = strcasestr(buf, "\r\ncontent-length:");
			size_t clen =
				cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;

			if (*have >= hlen + clen)
				return (ssize_t)(hlen + clen);
		}
		if (*have + 1 >= cap) {
			return -1;
		} else {
			ssize_t r = read(fd, buf + *have, cap - 1 - *have);

			if (r <= 0)
				return -1;
			*have += (size_t)r;
		}
	}
}

/* The child: answer the requests in order with the canned responses. */
static void
serve(int lfd, int logfd, const struct strbuf *resps, size_t n)
{
	static char buf[1 << 16];
	size_t i = 0;
	int conns = 0;

	while (i < n) {
		size_t have = 0;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			_exit(1);
		dprintf(logfd, "CONNECTION %d\n", ++conns);
		while (i < n) {
			ssize_t len = read_request(fd, buf, sizeof(buf), &have);

			if (len < 0)
				break;
			if (write(logfd, buf, (size_t)len) != len ||
			    write(logfd, "\n", 1) != 1)
				_exit(1);
			memmove(buf, buf + len, have - (size_t)len);
			have -= (size_t)len;
			if (write(fd, resps[i].buf, resps[i].len) !=
			    (ssize_t)resps[i].len)
				break;
			i++;
		}
		close(fd);
	}
	_exit(0);
}

static int
server_start(struct server *s, const struct strbuf *resps, size_t n)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int lfd, logfd;

	snprintf(s->log, sizeof(s->log), "/tmp/cnpgops-kube-curl-XXXXXX");
	logfd = mkstemp(s->log);
	if (logfd < 0)
		return -1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 8) || getsockname(lfd, (struct sockaddr *)&sa, &len)) {
		close(logfd);
		unlink(s->log);
		return -1;
	}
	s->port = ntohs(sa.sin_port);
	s->pid = fork();
	if (s->pid == 0)
		serve(lfd, logfd, resps, n);
	close(lfd);
	close(logfd);
	return s->pid > 0 ? 0 : -1;
}

/* Stop the server and return what it received. */
static char *
server_stop(struct server *s)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *fp;

	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	fp = fopen(s->log, "r");
	while (fp && (n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, n);
	if (fp)
		fclose(fp);
	unlink(s->log);
	return strbuf_detach(&sb, NULL);
}

static void
add_json_response(struct strbuf *sb, const char *status, const char *body)
{
	strbuf_addf(sb,
		    "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n%s",
		    status, strlen(body), body);
}

/* A chunked stream, cut every 10 bytes whatever the content. */
static void
add_chunked_response(struct strbuf *sb, const char *body)
{
	size_t len = strlen(body), off;

	strbuf_addstr(sb, "HTTP/1.1 200 OK\r\nContent-Type: application/json"
			  "\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (off = 0; off < len; off += 10) {
		size_t n = len - off < 10 ? len - off : 10;

		strbuf_addf(sb, "%zx\r\n", n);
		strbuf_add(sb, body + off, n);
		strbuf_addstr(sb, "\r\n");
	}
	strbuf_addstr(sb, "0\r\n\r\n");
}

static int
stop_at_second(void *ud, const char *type, const json_t *obj, struct error *err)
{
	struct strbuf *seen = ud;

	(void)err;
	strbuf_addf(seen, "%s %s\n", type,
		    json_string_value(json_object_get(
			    json_object_get(obj, "metadata"), "name")));
	return !strcmp(type, "MODIFIED");
}

static void
cfg_for(struct kube_config *cfg, char *server, size_t cap, int port,
	char *token)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(server, cap, "http://127.0.0.1:%d", port);
	cfg->server = server;
	cfg->token = token;
}

static void
kube_curl_transport_speaks_http(void)
{
	struct strbuf resps[5] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,
				   STRBUF_INIT, STRBUF_INIT };
	struct kube_client_opts opts = { 0 };
	struct strbuf seen = STRBUF_INIT;
	struct error err = ERROR_INIT;
	struct kube_client *kc = NULL;
	struct kube_config cfg;
	struct server s = { 0 };
	char server[64], token[] = "loopback-token";
	json_t *obj = NULL, *patch;
	char *got;
	size_t i;

	strbuf_addstr(&resps[0], "HTTP/1.1 503 Service Unavailable\r\n"
				 "Retry-After: 1\r\nContent-Length: 0\r\n\r\n");
	add_json_response(&resps[1], "200 OK",
			  "{\"kind\":\"Backup\",\"metadata\":{\"name\":"
			  "\"nightly\"}}");
	add_json_response(&resps[2], "200 OK", "{\"kind\":\"Cluster\"}");
	add_json_response(&resps[3], "200 OK", "{\"kind\":\"Status\"}");
	add_chunked_response(
		&resps[4],
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\","
		"\"resourceVersion\":\"6\"}}}\n{\"type\":\"BOOKMARK\",\"object"
		"\":{\"metadata\":{\"resourceVersion\":\"7\"}}}\n{\"type\":"
		"\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"b\","
		"\"resourceVersion\":\"8\"}}}\n");
	if (server_start(&s, resps, 5)) {
		test_fail(__FILE__, __LINE__, "cannot start the server");
		goto out;
	}
	cfg_for(&cfg, server, sizeof(server), s.port, token);
	opts.verbose = 2;
	opts.timeout_ms = 10000;
	setenv("CNPGOPS_TEST_BACKOFF_MS", "1", 1);
	if (kube_client_new(&kc, &cfg, &opts, &err)) {
		test_fail(__FILE__, __LINE__, "%s", err.msg);
		goto stop;
	}
	obj = kube_get(kc, KUBE_BACKUP, "prod", "nightly", &err);
	CHECK(obj != NULL);
	json_decref(obj);
	patch = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "k", "v");
	obj = kube_patch(kc, KUBE_CLUSTER, "prod", "pg1", patch,
			 KUBE_DRY_RUN_NONE, &err);
	CHECK(obj != NULL);
	json_decref(obj);
	json_decref(patch);
	CHECK_INT(kube_delete(kc, KUBE_BACKUP, "prod", "nightly", "Background",
			      KUBE_DRY_RUN_SERVER, &err),
		  0);
	CHECK_INT(kube_watch(kc, KUBE_BACKUP, "prod", NULL, "5", 10000,
			     stop_at_second, &seen, &err),
		  0);
	CHECK_STR(seen.buf, "ADDED a\nMODIFIED b\n");
	CHECK_INT(err.code, ERR_OK);
	if (err.msg)
		test_fail(__FILE__, __LINE__, "%s", err.msg);
stop:
	unsetenv("CNPGOPS_TEST_BACKOFF_MS");
	kube_client_free(kc);
	got = server_stop(&s);
	if (getenv("DEBUG_KUBE_CURL"))
		fputs(got, stderr);
	/* One connection for everything: keep-alive. */
	CHECK(strstr(got, "CONNECTION 1\n") != NULL);
	CHECK(strstr(got, "CONNECTION 2\n") == NULL);
	CHECK(strstr(got, "GET /apis/postgresql.cnpg.io/v1/namespaces/prod/"
			  "backups/nightly HTTP/1.1\r\n") != NULL);
	CHECK(strstr(got, "Authorization: Bearer loopback-token\r\n") != NULL);
	CHECK(strstr(got, "Accept: application/json\r\n") != NULL);
	CHECK(strstr(got, "User-Agent: kubectl-cnpgops/") != NULL);
	CHECK(strstr(got, "PATCH /apis/postgresql.cnpg.io/v1/namespaces/prod/"
			  "clusters/pg1 HTTP/1.1\r\n") != NULL);
	CHECK(strstr(got, "Content-Type: application/merge-patch+json\r\n") !=
	      NULL);
	CHECK(strstr(got,
		     "\r\n\r\n{\"metadata\":{\"labels\":{\"k\":\"v\"}}}") !=
	      NULL);
	CHECK(strstr(got, "DELETE /apis/postgresql.cnpg.io/v1/namespaces/prod/"
			  "backups/nightly?dryRun=All HTTP/1.1\r\n") != NULL);
	CHECK(strstr(got, "\"propagationPolicy\":\"Background\"") != NULL);
	CHECK(strstr(got, "GET /apis/postgresql.cnpg.io/v1/namespaces/prod/"
			  "backups?watch=1&resourceVersion=5&"
			  "allowWatchBookmarks=true&timeoutSeconds=10 "
			  "HTTP/1.1\r\n") != NULL);
	free(got);
out:
	for (i = 0; i < 5; i++)
		strbuf_release(&resps[i]);
	strbuf_release(&seen);
	error_clear(&err);
}

static void
log_line(void *ud, int level, const char *line)
{
	strbuf_addf(ud, "%d %s\n", level, line);
}

static void
kube_curl_reads_retry_after(void)
{
	struct strbuf resps[2] = { STRBUF_INIT, STRBUF_INIT };
	struct kube_client_opts opts = { 0 };
	struct strbuf log = STRBUF_INIT;
	struct error err = ERROR_INIT;
	struct kube_client *kc = NULL;
	struct kube_config cfg;
	struct server s = { 0 };
	char server[64], token[] = "t";
	json_t *obj;
	char *got;

	strbuf_addstr(&resps[0],
		      "HTTP/1.1 429 Too Many Requests\r\n"
		      "retry-after:  2\r\nContent-Length: 0\r\n\r\n");
	add_json_response(&resps[1], "201 Created", "{}");
	if (server_start(&s, resps, 2)) {
		test_fail(__FILE__, __LINE__, "cannot start the server");
		goto out;
	}
	cfg_for(&cfg, server, sizeof(server), s.port, token);
	opts.verbose = 1;
	opts.log = log_line;
	opts.log_ud = &log;
	setenv("CNPGOPS_TEST_BACKOFF_MS", "1", 1);
	if (!kube_client_new(&kc, &cfg, &opts, &err)) {
		obj = kube_get(kc, KUBE_POD, "prod", "p", &err);
		CHECK(obj != NULL);
		json_decref(obj);
	}
	unsetenv("CNPGOPS_TEST_BACKOFF_MS");
	CHECK(strstr(log.buf, "429 Too Many Requests with Retry-After, retry "
			      "1 of 5 in 1 ms") != NULL);
	kube_client_free(kc);
	got = server_stop(&s);
	free(got);
out:
	strbuf_release(&resps[0]);
	strbuf_release(&resps[1]);
	strbuf_release(&log);
	error_clear(&err);
}

static void
kube_curl_refused_connection_names_the_server(void)
{
	struct kube_client_opts opts = { 0 };
	struct error err = ERROR_INIT;
	struct kube_client *kc = NULL;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct kube_config cfg;
	char server[64], token[] = "t";
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port that was free a moment ago and has no listener now. */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	      !getsockname(fd, (struct sockaddr *)&sa, &len));
	close(fd);
	cfg_for(&cfg, server, sizeof(server), ntohs(sa.sin_port), token);
	opts.max_retries = -1;
	CHECK_INT(kube_client_new(&kc, &cfg, &opts, &err), 0);
	CHECK(kube_get(kc, KUBE_POD, "prod", "p", &err) == NULL);
	CHECK_INT(err.code, ERR_IO);
	CHECK(err.msg && strstr(err.msg, server) &&
	      strstr(err.msg, "cannot connect to the API server"));
	CHECK(err.hint != NULL);
	kube_client_free(kc);
	error_clear(&err);
}

/* main() sets libcurl up once; so does each test here. */
static void
kube_curl_all(void)
{
	http_global_init();
	kube_curl_transport_speaks_http();
	kube_curl_reads_retry_after();
	kube_curl_refused_connection_names_the_server();
	http_global_cleanup();
}

const struct test kube_curl_tests[] = {
	TEST(kube_curl_all),
	{ NULL, NULL },
};

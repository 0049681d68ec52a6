/*
 * libFuzzer target: arbitrary API server answers through the Kubernetes
 * client's transport hook: the first byte picks the HTTP status, the rest
 * is the body, given to get, list (with paging) and watch (as a stream cut
 * in pieces).  Sleeps are skipped and the clock runs fast, so retries and
 * watch timeouts end at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "kube.h"
#include "kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	const uint8_t *data;
	size_t size;
	long long now;
	int calls;
};

static const long statuses[] = { 200, 201, 401, 403, 404, 409,
				 410, 422, 429, 500, 503, 504 };

static enum kube_transport_result
fake_send(void *ud, const struct kube_http_request *req,
	  struct kube_http_response *resp, kube_body_fn body, void *body_ud)
{
	struct feed *f = ud;
	size_t off = 1, piece;

	(void)req;
	if (f->size == 0 || ++f->calls > 20)
		return KUBE_TRANSPORT_CONNECT;
	resp->status =
		statuses[f->data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	resp->retry_after_s = f->data[0] & 0x80 ? 1 : -1;
	piece = 1 + f->data[0] % 7;
	while (off < f->size) {
		size_t n = f->size - off < piece ? f->size - off : piece;

		if (body(body_ud, (const char *)f->data + off, n))
			return KUBE_TRANSPORT_ABORTED;
		off += n;
	}
	return KUBE_TRANSPORT_OK;
}

static void
fake_sleep(void *ud, long ms)
{
	((struct feed *)ud)->now += ms;
}

static long long
fake_now(void *ud)
{
	struct feed *f = ud;

	f->now += 1000;
	return f->now;
}

static int
on_event(void *ud, const char *type, const json_t *obj, struct error *err)
{
	(void)ud;
	(void)type;
	(void)obj;
	(void)err;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char server[] = "https://127.0.0.1:6443", ns[] = "default",
	     token[] = "fuzz";
	struct kube_config cfg = { 0 };
	struct kube_client *kc = NULL;
	struct kube_transport t = { 0 };
	struct feed f = { data, size, 0, 0 };
	struct error err = ERROR_INIT;
	json_t *v;

	cfg.server = server;
	cfg.namespace = ns;
	cfg.token = token;
	if (kube_client_new(&kc, &cfg, NULL, &err)) {
		error_clear(&err);
		return 0;
	}
	t.send = fake_send;
	t.sleep_ms = fake_sleep;
	t.now_ms = fake_now;
	t.ud = &f;
	kube_client_set_transport(kc, &t);
	v = kube_get(kc, KUBE_CLUSTER, "default", "pg1", &err);
	json_decref(v);
	error_clear(&err);
	f.calls = 0;
	v = kube_list(kc, KUBE_BACKUP, "default", NULL, &err);
	json_decref(v);
	error_clear(&err);
	f.calls = 0;
	(void)kube_watch(kc, KUBE_BACKUP, "default", NULL, "1", 5000, on_event,
			 NULL, &err);
	error_clear(&err);
	kube_client_free(kc);
	return 0;
}

/*
 * libFuzzer target: an exec credential plugin's output (ExecCredential
 * JSON: token, client certificate and key, expiry), for both API versions.
 */
#include <stdint.h>
#include <stdlib.h>

#include "errors.h"
#include "kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const versions[] = {
		"client.authentication.k8s.io/v1",
		"client.authentication.k8s.io/v1beta1",
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		struct kubeconfig_cred cred = { 0 };
		struct error err = ERROR_INIT;

		if (kubeconfig_exec_parse(&cred, versions[i],
					  (const char *)data, size, &err) == 0)
			kubeconfig_cred_release(&cred);
		error_clear(&err);
	}
	return 0;
}

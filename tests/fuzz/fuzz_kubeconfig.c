/*
 * libFuzzer target: a kubeconfig file of arbitrary bytes through the whole
 * load path (libyaml, the merge, selection, base64 -data fields).  The
 * bytes are handed over as an in-memory file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "errors.h"
#include "kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("kubeconfig", 0);
	char path[64];
	struct kubeconfig_opts o = { 0 };
	struct kube_config *cfg = NULL;
	struct error err = ERROR_INIT;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	o.kubeconfig = path;
	if (kubeconfig_load(&cfg, &o, &err) == 0)
		kubeconfig_free(cfg);
	error_clear(&err);
	close(fd);
	return 0;
}

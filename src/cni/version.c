/* The CNI spec versions this plugin speaks, and their order. */
#include "cni/version.h"

#include <stdio.h>
#include <string.h>

static const char *const supported[] = {"1.0.0", "1.1.0"};

bool cni_version_supported(const char *v)
{
	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		if (v && !strcmp(v, supported[i]))
			return true;
	return false;
}

int cni_version_cmp(const char *a, const char *b)
{
	unsigned va[3] = {0}, vb[3] = {0};

	sscanf(a ? a : "", "%u.%u.%u", &va[0], &va[1], &va[2]);
	sscanf(b ? b : "", "%u.%u.%u", &vb[0], &vb[1], &vb[2]);
	for (int i = 0; i < 3; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}

json_t *cni_supported_versions(void)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < sizeof(supported) / sizeof(supported[0]);
	     i++)
		json_array_append_new(a, json_string(supported[i]));
	return a;
}

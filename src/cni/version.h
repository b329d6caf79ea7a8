/* The CNI spec versions vflag-cni speaks ("1.0.0", "1.1.0") and their
 * order: shared by the config parser and the result builder. */
#ifndef VFLAG_CNI_VERSION_H
#define VFLAG_CNI_VERSION_H

#include <stdbool.h>

#include <jansson.h>

/* Whether `v` is a spec version this plugin speaks ("1.0.0", "1.1.0"). */
bool cni_version_supported(const char *v);
/* strcmp-like order of two "X.Y.Z" versions. */
int cni_version_cmp(const char *a, const char *b);
/* The versions VERSION reports, as a new JSON array. */
json_t *cni_supported_versions(void);

#endif

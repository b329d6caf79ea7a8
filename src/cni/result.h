/* What vflag-cni prints: CNI error objects with the spec's well-known
 * codes, the ADD result (SPEC.md "Success" result, 1.0.0/1.1.0), and the
 * VERSION answer. Pure JSON building, no I/O. */
#ifndef VFLAG_CNI_RESULT_H
#define VFLAG_CNI_RESULT_H

#include <jansson.h>
#include <stdarg.h>

/* SPEC.md "Error" codes; 0-99 are the spec's, 100 and up are ours. */
enum cni_code {
	CNI_ERR_VERSION = 1,	  /* incompatible CNI version */
	CNI_ERR_UNSUPPORTED = 2,  /* unsupported field in the config */
	CNI_ERR_NO_CONTAINER = 3, /* container unknown or does not exist */
	CNI_ERR_ENV = 4,	  /* invalid necessary environment vars */
	CNI_ERR_IO = 5,		  /* I/O failure */
	CNI_ERR_DECODE = 6,	  /* failed to decode content */
	CNI_ERR_CONFIG = 7,	  /* invalid network config */
	CNI_ERR_TRY_AGAIN = 11,	  /* try again later */
	CNI_ERR_UNAVAILABLE = 50, /* STATUS: cannot service ADD */
	CNI_ERR_UNAVAILABLE_LIMITED = 51, /* STATUS: and existing containers
					     may have limited connectivity */
	CNI_ERR_NO_FREE_VF = 100, /* every VF of the PF/bond is in use */
	CNI_ERR_REFUSED = 101,	  /* vflagd refused a command */
	CNI_ERR_NETLINK = 102,	  /* moving/renaming the VF failed */
	CNI_ERR_EXISTS = 103,	  /* attachment or ifname already there */
	CNI_ERR_CHECK = 104,	  /* CHECK: not as ADD left it */
	CNI_ERR_INTERNAL = 999,	  /* out of memory and the like */
};

struct cni_err {
	int code;	    /* 0: no error */
	char msg[256];	    /* "msg": one line for the user */
	char details[1024]; /* "details": the long story, may be empty */
};

/* Fills err; returns -1 so callers can `return cni_err_set(...)`. */
int cni_err_set(struct cni_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets err->details (printf-style). */
void cni_err_details(struct cni_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* {"cniVersion", "code", "msg", "details"?} as a new object. */
json_t *cni_err_json(const struct cni_err *err, const char *cni_version);

/* {"cniVersion", "supportedVersions"} for VERSION. */
json_t *cni_version_json(const char *cni_version);

/* What the plugin knows about the interface it set up. */
struct cni_iface {
	const char *name;    /* CNI_IFNAME */
	const char *mac;     /* "aa:bb:..." */
	const char *sandbox; /* CNI_NETNS */
	unsigned mtu;	     /* 0: unknown (and omitted) */
	const char *pci_id;  /* the VF's PCI label, or NULL */
};

/* Builds the ADD result: the interfaces of `prev` (a prevResult, or NULL)
 * followed by `iface`; the ips, routes and dns of `prev`, then those of
 * `ipam` (an IPAM plugin's result, or NULL) with every new ip pointing at
 * `iface`. Fields a version lacks are left out (mtu, pciID before 1.1.0).
 * Returns a new object, or NULL when `ipam` or `prev` is malformed, with
 * *why saying how. */
json_t *cni_result_build(const char *cni_version, const json_t *prev,
			 const json_t *ipam, const struct cni_iface *iface,
			 const char **why);

/* The index in result.interfaces of the sandbox interface named `ifname`
 * in `sandbox`, or -1. */
int cni_result_find_iface(const json_t *result, const char *ifname,
			  const char *sandbox);

#endif

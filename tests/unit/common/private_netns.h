/* For unit tests that need real devices and the real datapath: leave the
 * host's network namespace for a private, quiet one, and check that the
 * eswitch loads there. */
#ifndef VFLAG_TEST_PRIVATE_NETNS_H
#define VFLAG_TEST_PRIVATE_NETNS_H

#define TEST_SKIP_STATUS 77 /* meson's "skipped" */

/* unshare(CLONE_NEWNET), IPv6 off (no router solicitations or MLD), then
 * the eswitch loaded once. Returns 0, TEST_SKIP_STATUS when namespaces or
 * BPF are not permitted, or 1 when BPF is but the eswitch does not load
 * (a real failure). `who` prefixes the messages. */
int test_private_netns_enter(const char *who);

#endif

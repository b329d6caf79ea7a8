/* The container's side: its network namespace and the VF link in it.
 *
 * vflagd moves a VF into a namespace it knows by NAME (/run/netns/NAME)
 * and later reaches it by that name again (to bring the VF back), while
 * CNI_NETNS is a path (/proc/PID/ns/net, /var/run/netns/x). So the plugin
 * pins the namespace under its own name, /run/netns/vflag-cni-<hash>, a
 * bind mount like `ip netns add` makes, for as long as the VF is there:
 * DEL unpins it. The pin also keeps the namespace, and so the VF, alive
 * when the runtime deletes the namespace before DEL.
 *
 * Link operations enter the namespace only to open a netlink socket
 * there (a socket stays in the namespace it was made in). */
#ifndef VFLAG_CNI_NETNS_H
#define VFLAG_CNI_NETNS_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#define CNI_NETNS_RUN_DIR "/run/netns"
#define CNI_PIN_PREFIX "vflag-cni-"
#define CNI_PIN_NAME_MAX 32

/* The pin's name for (network, container, ifname): a stable hash, so
 * concurrent plugins never pick the same one. */
void cni_pin_name(const char *network, const char *container_id,
		  const char *ifname, char name[CNI_PIN_NAME_MAX]);

/* Bind-mounts the namespace at `path` on /run/netns/NAME (creating the
 * directory as a shared mount, as iproute2 does, so a vflagd in another
 * mount namespace sees it). 0 or -errno. */
int cni_pin(const char *path, const char *name);
/* Unmounts and removes /run/netns/NAME; 0 if it was not there. */
int cni_unpin(const char *name);
/* Opens /run/netns/NAME (or, with name == NULL, `path`); fd or -errno. */
int cni_netns_open(const char *path, const char *name);
/* Whether two namespace fds are the same namespace. */
bool cni_netns_same(int a, int b);

struct cni_link {
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	bool up; /* IFF_UP */
	unsigned mtu;
};

/* Looks a link up in the namespace ns_fd, by name or (name NULL) by
 * ifindex. 0, -ENODEV if there is none, or -errno. */
int cni_link_get(int ns_fd, const char *name, int ifindex,
		 struct cni_link *out);
/* Renames link ifindex (taking it down first: the kernel renames only
 * down links) and leaves it up if `up`. 0 or -errno. */
int cni_link_rename(int ns_fd, int ifindex, const char *newname, bool up);
/* Sets link ifindex up or down. */
int cni_link_set_up(int ns_fd, int ifindex, bool up);
/* Whether link ifindex holds address `cidr` ("10.1.0.5/24" or v6):
 * 1 yes, 0 no, -errno. */
int cni_link_has_addr(int ns_fd, int ifindex, const char *cidr);

/* Adds address `cidr` to link ifindex; 0 (also if it is there) or
 * -errno. */
int cni_addr_add(int ns_fd, int ifindex, const char *cidr);
/* Adds a route to `dst` (a CIDR) through gateway `gw` (or on-link when
 * NULL) out of link ifindex; 0 (also if it is there) or -errno. */
int cni_route_add(int ns_fd, int ifindex, const char *dst, const char *gw);

#endif

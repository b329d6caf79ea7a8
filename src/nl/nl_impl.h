/* What the files of src/nl share and nothing else sees: the request
 * socket's insides and its one transaction. */
#ifndef VFLAG_NL_IMPL_H
#define VFLAG_NL_IMPL_H

#include <stdalign.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#define NL_REQ_SIZE 512	   /* our largest request, veth create, is ~130 B */
#define NL_RECV_SIZE 32768 /* a link reply with VF info outgrows 8 KiB */
#define NL_MON_RCVBUF (4 << 20) /* a burst of link events must fit */

struct nl {
	struct mnl_socket *sock; /* NETLINK_ROUTE, no groups */
	uint32_t portid;	 /* our address: replies carry it */
	uint32_t seq;		 /* sequence number of the last request */
	alignas(struct nlmsghdr) char buf[NL_RECV_SIZE]; /* replies */
};

/* Called for each reply message of a request other than the ack. */
typedef int (*nl_reply_cb)(const struct nlmsghdr *nlh, void *data);

/* Sends `req` with a fresh sequence number and reads until its ack (or
 * a dump's NLMSG_DONE). Returns the ack's error, else the first error
 * `cb` returned. */
int nl_transact(struct nl *nl, struct nlmsghdr *req, nl_reply_cb cb,
		void *data);

#endif

/* What the files of src/nl share and nothing else sees: the request
 * socket's insides and its one transaction. */
#ifndef VFLAG_NL_IMPL_H
#define VFLAG_NL_IMPL_H

#include <stdalign.h>
#include <stddef.h>
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

/* A non-blocking monitor socket in the rtnetlink groups given, with a
 * receive buffer for bursts (NL_MON_RCVBUF). NULL with errno. */
struct mnl_socket *nl_group_socket(const int *groups, size_t n);

/* Called per message nl_drain() reads: 1 if it was an event. */
typedef int (*nl_msg_fn)(const struct nlmsghdr *nlh, void *arg);
/* Reads what sock has without blocking, each message to fn. Returns the
 * events fn counted, or -errno (-ENOBUFS: events were lost). */
int nl_drain(struct mnl_socket *sock, char *buf, size_t buf_size, nl_msg_fn fn,
	     void *arg);

#endif

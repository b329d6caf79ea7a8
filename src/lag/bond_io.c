/* AF_PACKET sockets of bond members (see bond_io.h). */
#include "lag/bond_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"

struct bond_io {
	struct loop *loop;
	int ifindex;
	int fd;
	bond_io_rx_cb cb;
	void *arg;
};

static void bond_io_readable(void *arg, int fd)
{
	struct bond_io *io = arg;
	uint8_t buf[2048];

	/* A budget, so a LACPDU storm cannot starve the control socket. */
	for (int budget = 64; budget > 0; budget--) {
		/* Longer frames are cut to the buffer: a LACPDU is 124 bytes
		 * and the parser ignores what follows the PDU. */
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return;
		io->cb(io->arg, buf, (size_t)n, clock_now_ms());
	}
}

static int bond_io_socket(int ifindex)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_SLOW),
	    .sll_ifindex = ifindex,
	};
	struct packet_mreq mr = {
	    .mr_ifindex = ifindex,
	    .mr_type = PACKET_MR_MULTICAST,
	    .mr_alen = 6,
	    .mr_address = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02},
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			htons(ETH_P_SLOW));

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	/* Real NICs filter multicast: let the Slow Protocols address in. */
	setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
	return fd;
}

int bond_io_open(struct loop *loop, int ifindex, const char *dev,
		 bond_io_rx_cb cb, void *arg, struct bond_io **out, char *err,
		 size_t errlen)
{
	struct bond_io *io = calloc(1, sizeof(*io));
	int ret;

	if (!io) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	io->loop = loop;
	io->ifindex = ifindex;
	io->cb = cb;
	io->arg = arg;
	io->fd = bond_io_socket(ifindex);
	if (io->fd < 0) {
		ret = io->fd;
		snprintf(err, errlen, "cannot open a packet socket on %s: %s",
			 dev, strerror(-ret));
		goto free_io;
	}
	ret = loop_add(loop, io->fd, bond_io_readable, io);
	if (ret) {
		snprintf(err, errlen, "cannot watch %s: %s", dev,
			 strerror(-ret));
		goto close_fd;
	}
	*out = io;
	return 0;

close_fd:
	close(io->fd);
free_io:
	free(io);
	return ret;
}

void bond_io_close(struct bond_io *io)
{
	if (!io)
		return;
	loop_del(io->loop, io->fd);
	close(io->fd);
	free(io);
}

static int bond_io_sendto(struct bond_io *io, const void *frame, size_t len)
{
	struct sockaddr_ll to = {
	    .sll_family = AF_PACKET,
	    .sll_ifindex = io->ifindex,
	    .sll_halen = 6,
	};

	memcpy(to.sll_addr, frame, 6);
	if (sendto(io->fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) <
	    0)
		return -errno;
	return 0;
}

int bond_io_send(struct bond_io *io, const void *frame, size_t len)
{
	if (len < 6)
		return -EINVAL;
	return bond_io_sendto(io, frame, len);
}

void bond_io_rarp_build(uint8_t f[BOND_IO_RARP_LEN], const uint8_t mac[6])
{
	memset(f, 0, BOND_IO_RARP_LEN);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x80, f[13] = 0x35; /* RARP */
	f[15] = 1;		    /* htype Ethernet */
	f[16] = 0x08;		    /* ptype IPv4 */
	f[18] = 6, f[19] = 4;	    /* hlen, plen */
	f[21] = 3;		    /* reverse request */
	memcpy(f + 22, mac, 6);	    /* sender MAC */
	memcpy(f + 32, mac, 6);	    /* target MAC */
}

unsigned bond_io_announce(struct bond_io *io, const uint8_t (*macs)[6],
			  unsigned n)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < n; i++) {
		uint8_t f[BOND_IO_RARP_LEN];

		bond_io_rarp_build(f, macs[i]);
		if (bond_io_sendto(io, f, sizeof(f)))
			failed++;
	}
	return failed;
}

/* The fixture of the bond's live tests: the bond through its glue
 * (src/daemon/daemon_bond.c) over a real eswitch and eBPF datapath.
 *
 * live_main() leaves the host's network namespace first thing
 * (unshare(CLONE_NEWNET)) and builds, inside its private one, two veth
 * pairs whose eswitch ends become the PFs of every test:
 *
 *   up0 <-> up0w   PF pfa, enslaved first
 *   up1 <-> up1w   PF pfb, enslaved second
 *
 * The "w" ends are the wire: the test owns them. Taking a wire end down
 * takes the carrier of the PF's end away, as a pulled cable would; the
 * test then reads the carrier back (nl_link_get) and feeds what it saw
 * to eswitch_link_event and vflagd_bond_link_changed, as vflagd's netlink
 * monitor does. Where a test needs carrier events that disagree with the
 * device (a frame must still be seen on the failed member's wire), it
 * builds the event itself, with miimon 0 so that no poll corrects it.
 *
 * Time is the test's: fx->now is passed to every bond call, and the fake
 * clock (clock_fake_set) is kept equal to it for the one path that reads
 * the clock itself (LACPDUs received by bond_io).
 *
 * What is checked is what users and the datapath see: `bond show`'s JSON
 * (its tx/rx come from the struct vflag_lag last published to the
 * datapath), `bond xmit-member`'s, the RARP frames and LACPDUs on the
 * wire, and frames a VF sends, which the eBPF datapath puts on the member
 * the bond published.
 *
 * Every test opens its own datapath, eswitch and bond and tears them
 * down; the veths go away with the namespace when the process exits.
 *
 * Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_BPF); live_main() returns
 * 77, meson's "skipped", when the namespace or BPF is not permitted. */
#ifndef VFLAG_TESTS_BOND_LIVE_H
#define VFLAG_TESTS_BOND_LIVE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/loop.h"
#include "daemon/daemon_impl.h"
#include "eswitch/eswitch.h"
#include "lag/bond.h"
#include "nl/nl.h"

#define T0 100000u	  /* the fake time every test starts at, in ms */
#define ETH_P_TEST 0x88b5 /* IEEE 802 local experimental: test frames */

enum { A, B, NUP };

extern const char *const up_dev[NUP];	/* "up0", "up1" */
extern const char *const wire_dev[NUP]; /* "up0w", "up1w" */
extern const char *const pf_nm[NUP];	/* "pfa", "pfb" */

/* Built once in live_main(), in the private namespace. */
extern int up_ifindex[NUP];
extern int wire_ifindex[NUP];

struct fx {
	struct dp *dp;
	struct nl *nl;
	struct loop *loop;
	struct eswitch *sw;
	struct pf *pf[NUP];
	struct vflagd *d; /* the daemon object over the parts above */
	struct vflagd_bond *bond;
	uint64_t now;
	char err[256];
};

/* `bond show`'s and `bond xmit-member`'s JSON, as vflagd writes them. */
json_t *live_bond_json(struct vflagd_bond *g);
json_t *live_xmit_json(struct vflagd_bond *g, const uint8_t *frame, size_t len);

int fx_setup(void **state);
int fx_teardown(void **state);

/* bond_config_parse() of `opts` on top of the defaults; all words used. */
void config_of(const char *opts, struct bond_config *cfg);
/* Creates bond0 with `opts` and no members. */
void bond_new_empty(struct fx *fx, const char *opts);
/* Creates bond0 with `opts`, then enslaves pfa and pfb, in that order. */
void bond_new(struct fx *fx, const char *opts);
/* bond_reconfigure() to `opts`, which must be accepted. */
void reconfigure(struct fx *fx, const char *opts);

/* Plugs or pulls member i's cable and reports the carrier the kernel
 * then gives to the eswitch and the bond. */
void cable(struct fx *fx, int i, bool in);
/* A carrier event that the device does not back (miimon 0 only). */
void fake_carrier(struct fx *fx, int i, bool carrier);
/* Moves the clock to `at` (ms after T0) and runs the bond's timers. */
void run_at(struct fx *fx, uint64_t at);

const char *jstr(json_t *obj, const char *key);
const char *jstr_at(json_t *array, size_t i);
json_t *member_of(json_t *bond, const char *name);

/* The checkers note the first mismatch in a struct why and fail only
 * once the JSON is freed, so a failing test leaks nothing. */
struct why {
	char msg[256];
};

void mismatch(struct why *w, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void check_bool(struct why *w, json_t *obj, const char *key, bool want,
		const char *what, const char *file, int line);
void check_str(struct why *w, json_t *obj, const char *key, const char *want,
	       const char *what, const char *file, int line);
/* Member i as `bond show` gives it. */
void check_member(struct fx *fx, int i, const char *link, const char *state,
		  bool tx, bool rx, int failures, const char *file, int line);
#define MEMBER(fx, i, link, state, tx, rx, failures)                           \
	check_member(fx, i, link, state, tx, rx, failures, __FILE__, __LINE__)
/* The bond's "active" (NULL: null; "-": absent) and "carrier", and how
 * many members it lists. */
void check_bond(struct fx *fx, const char *active, bool carrier, int nmembers,
		const char *file, int line);
#define BOND(fx, active, carrier, n)                                           \
	check_bond(fx, active, carrier, n, __FILE__, __LINE__)

/* ---- the wire ---- */

struct rx_frame {
	uint8_t b[128];
	size_t len;
};

extern const uint8_t bcast[6];
extern const uint8_t slow_mac[6];

/* A packet socket on an ifindex for one ethertype. */
int sock_on(int ifindex, uint16_t proto);
/* Frames arriving on fd: waits up to 1 s for `want` of them, then 100 ms
 * more for any that should not be there. Returns how many (<= cap). */
int read_frames(int fd, struct rx_frame *out, int cap, int want);
void drain(int fd);
void dev_mac(struct fx *fx, const char *dev, uint8_t mac[6]);

/* Enters the private namespace, builds the veths, runs the tests. */
int live_main(const struct CMUnitTest *tests, size_t n, const char *name);

#endif

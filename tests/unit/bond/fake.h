/* A fake world for the bond's unit tests: struct bond_ops that record
 * every call (attach, detach, publish, send, announce, poll) in a log and
 * keep the last published struct vflag_lag; "devices" whose carrier the
 * test sets; an optional LACP partner system on the far end of the
 * members' wires; and fake time passed to every bond call.
 *
 * No root, no namespace, no BPF: every test runs in microseconds.
 *
 * run_at() also checks bond_next_deadline(): a bond_run() before the
 * deadline must change nothing (no op called, same `bond show`). */
#ifndef VFLAG_TESTS_BOND_FAKE_H
#define VFLAG_TESTS_BOND_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lacp/lacp.h"
#include "lag/bond.h"

#define T0 100000u /* the fake time every test starts at, in ms */

enum { A, B, C, NPORT };

extern const char *const pf_nm[NPORT]; /* "pfa", "pfb", "pfc" */

struct fx_frame {
	unsigned port; /* A, B, C */
	uint8_t b[128];
	size_t len;
};

struct fx {
	struct bond *bond;
	uint64_t now;
	struct bond_port port[NPORT];
	int member[NPORT];	/* member index, or -1 */
	bool device[NPORT];	/* the carrier a miimon poll reads */
	int poll_err[NPORT];	/* a poll fails with it (a deleted uplink) */
	int send_err;		/* ops.send fails with it */
	int attach_err;		/* ops.attach fails with it */
	unsigned announce_fail; /* frames ops.announce reports failed */
	bool published_once;
	bool lag_removed;     /* publish(NULL) */
	struct vflag_lag lag; /* last published */
	unsigned npublish;
	char log[8192]; /* one line per op call */
	size_t loglen;
	struct fx_frame sent[64]; /* frames the bond sent, in order */
	unsigned nsent;
	/* the partner system (fx_partner_open) */
	struct lacp *partner;
	struct fx_frame to_partner[64], to_bond[64];
	unsigned nto_partner, nto_bond;
	char err[256];
};

int fx_setup(void **state);
int fx_teardown(void **state);

/* bond_config_parse() of `opts` on top of the defaults; all words used. */
void config_of(const char *opts, struct bond_config *cfg);
/* Creates bond0 (slot 1) with `opts`, no members. */
void bond_new_empty(struct fx *fx, const char *opts);
/* Creates bond0 with `opts`, then enslaves pfa and pfb, in that order. */
void bond_new(struct fx *fx, const char *opts);
/* bond_member_add() / bond_member_del() of port i: 0 or -errno. */
int member_add(struct fx *fx, int i);
int member_del(struct fx *fx, int i);
/* bond_reconfigure() to `opts`, which must be accepted. */
void reconfigure(struct fx *fx, const char *opts);

/* Pulls or plugs port i's cable: the device and a carrier event. */
void cable(struct fx *fx, int i, bool in);
/* A carrier event alone, the device unchanged (miimon 0 only). */
void fake_carrier(struct fx *fx, int i, bool carrier);
/* The device alone, no event (miimon finds it). */
void wire(struct fx *fx, int i, bool in);
/* Moves the clock to T0 + at and runs the bond (checking the deadline). */
void run_at(struct fx *fx, uint64_t at);

/* `bond show`'s JSON of the bond (ctl/reply_bond.c), and one member. */
json_t *fx_json(struct fx *fx);
json_t *member_of(json_t *bond, const char *name);
const char *jstr(json_t *obj, const char *key);

/* Is port i in the last published tx array / rx mask? */
bool published_tx(const struct fx *fx, int i);
bool published_rx(const struct fx *fx, int i);
/* Empties the op log and the sent frames. */
void log_clear(struct fx *fx);
/* How many log lines contain `what`. */
unsigned log_count(const struct fx *fx, const char *what);

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

void check_member(struct fx *fx, int i, const char *link, const char *state,
		  bool tx, bool rx, int failures, const char *file, int line);
#define MEMBER(fx, i, link, state, tx, rx, failures)                           \
	check_member(fx, i, link, state, tx, rx, failures, __FILE__, __LINE__)
/* "active" (NULL: none; "-": absent, not active-backup), "carrier", and
 * the number of members. */
void check_bond(struct fx *fx, const char *active, bool carrier, int nmembers,
		const char *file, int line);
#define BOND(fx, active, carrier, n)                                           \
	check_bond(fx, active, carrier, n, __FILE__, __LINE__)

/* A LACP partner (system 02:00:00:00:99:00, key 0x55, fast, active) on
 * the far ends of pfa and pfb, both enabled. */
void fx_partner_open(struct fx *fx);
/* Delivers frames in flight both ways until none is left. */
void fx_pump(struct fx *fx);
/* Runs bond and partner in 100 ms steps until done() or `ms` pass. */
bool run_lacp(struct fx *fx, uint64_t ms, bool (*done)(struct fx *));

#endif

/* The fake world of the bond's unit tests (see fake.h). */
#include "fake.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/log.h"
#include "ctl/reply_bond.h"

#define BOND_SLOT 1u

const char *const pf_nm[NPORT] = {"pfa", "pfb", "pfc"};

static void log_add(struct fx *fx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void log_add(struct fx *fx, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(fx->log + fx->loglen, sizeof(fx->log) - fx->loglen, fmt,
		      ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= sizeof(fx->log) - fx->loglen)
		fail_msg("op log full");
	fx->loglen += (size_t)n;
	fx->log[fx->loglen++] = '\n';
	fx->log[fx->loglen] = 0;
}

void log_clear(struct fx *fx)
{
	fx->loglen = 0;
	fx->log[0] = 0;
	fx->nsent = 0;
}

unsigned log_count(const struct fx *fx, const char *what)
{
	unsigned n = 0;

	for (const char *p = fx->log; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* The port of member index `m`. */
static int port_of(const struct fx *fx, unsigned m)
{
	for (int i = 0; i < NPORT; i++)
		if (fx->member[i] == (int)m)
			return i;
	fail_msg("no port is member %u", m);
	return -1;
}

static int port_by_ifindex(uint32_t ifindex)
{
	return (int)ifindex - 10;
}

static int fake_attach(void *ctx, unsigned member, const struct bond_port *port,
		       char *err, size_t errlen)
{
	struct fx *fx = ctx;
	int i;

	for (i = 0; i < NPORT && strcmp(port->name, pf_nm[i]); i++)
		;
	assert_true(i < NPORT);
	assert_int_equal(fx->member[i], -1);
	if (fx->attach_err) {
		snprintf(err, errlen, "cannot attach %s", port->name);
		return fx->attach_err;
	}
	fx->member[i] = (int)member;
	log_add(fx, "attach %s m%u", port->name, member);
	return 0;
}

static void fake_detach(void *ctx, unsigned member)
{
	struct fx *fx = ctx;
	int i = port_of(fx, member);

	log_add(fx, "detach %s", pf_nm[i]);
	fx->member[i] = -1;
}

static int fake_publish(void *ctx, const struct vflag_lag *lag)
{
	struct fx *fx = ctx;
	char tx[64] = "";
	size_t used = 0;
	unsigned pcol = 0;

	if (!lag) {
		log_add(fx, "publish none");
		fx->lag_removed = true;
		memset(&fx->lag, 0, sizeof(fx->lag));
		return 0;
	}
	for (unsigned t = 0; t < lag->tx_count; t++) {
		int i = port_by_ifindex(lag->tx_ifindex[t]);

		assert_true(i >= 0 && i < NPORT);
		/* the port id goes with its ifindex */
		assert_int_equal(lag->tx_port_id[t], fx->port[i].port_id);
		used += (size_t)snprintf(tx + used, sizeof(tx) - used, "%s%s",
					 t ? "," : "", pf_nm[i]);
	}
	/* pcol: the partner's ports that collect at this publication, so a
	 * test can tell that the bond never distributes toward a partner
	 * port that does not collect. */
	for (unsigned i = 0; fx->partner && i < 2; i++)
		pcol |= lacp_port_collecting(fx->partner, i) ? 1u << i : 0;
	log_add(fx, "publish tx=%s rx=0x%x policy=%u select=%u pcol=0x%x",
		tx[0] ? tx : "-", lag->rx_mask, lag->hash_policy,
		lag->port_select, pcol);
	fx->lag = *lag;
	fx->published_once = true;
	fx->npublish++;
	return 0;
}

static int fake_send(void *ctx, unsigned member, const void *frame, size_t len)
{
	struct fx *fx = ctx;
	int i = port_of(fx, member);
	struct fx_frame *f;

	/* An LACPDU's actor state octet (offset 32: 14 of Ethernet header,
	 * subtype, version, TLV type and length, then 14 of actor info
	 * before it), so tests can order what it announces against the
	 * publications. */
	if (len >= 33 && ((const uint8_t *)frame)[14] == 1)
		log_add(fx, "send %s len=%zu state=0x%02x", pf_nm[i], len,
			((const uint8_t *)frame)[32]);
	else
		log_add(fx, "send %s len=%zu", pf_nm[i], len);
	if (fx->send_err)
		return fx->send_err;
	if (fx->nsent < sizeof(fx->sent) / sizeof(fx->sent[0])) {
		f = &fx->sent[fx->nsent++];
		f->port = (unsigned)i;
		f->len = len < sizeof(f->b) ? len : sizeof(f->b);
		memcpy(f->b, frame, f->len);
	}
	/* the partner's end of the wire, while its cable is in */
	if (fx->partner && fx->device[i] && fx->nto_partner < 64) {
		f = &fx->to_partner[fx->nto_partner++];
		f->port = (unsigned)i;
		f->len = len < sizeof(f->b) ? len : sizeof(f->b);
		memcpy(f->b, frame, f->len);
	}
	return 0;
}

static unsigned fake_announce(void *ctx, unsigned member)
{
	struct fx *fx = ctx;

	log_add(fx, "announce %s", pf_nm[port_of(fx, member)]);
	return fx->announce_fail;
}

static int fake_poll_carrier(void *ctx, unsigned member, bool *carrier)
{
	struct fx *fx = ctx;
	int i = port_of(fx, member);

	log_add(fx, "poll %s", pf_nm[i]);
	if (fx->poll_err[i])
		return fx->poll_err[i];
	*carrier = fx->device[i];
	return 0;
}

static const struct bond_ops fake_ops = {
    .attach = fake_attach,
    .detach = fake_detach,
    .publish = fake_publish,
    .send = fake_send,
    .announce = fake_announce,
    .poll_carrier = fake_poll_carrier,
};

int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->now = T0;
	for (int i = 0; i < NPORT; i++) {
		struct bond_port *p = &fx->port[i];

		snprintf(p->name, sizeof(p->name), "%s", pf_nm[i]);
		snprintf(p->dev, sizeof(p->dev), "up%d", i);
		p->ifindex = 10 + i;
		memcpy(p->mac,
		       (uint8_t[6]){0x02, 0, 0, 0, 0x0a, (uint8_t)(i + 1)}, 6);
		p->port_id = 100 + (uint32_t)i;
		fx->member[i] = -1;
		fx->device[i] = true;
	}
	*state = fx;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (!fx)
		return 0;
	bond_destroy(fx->bond, fx->now);
	lacp_destroy(fx->partner);
	free(fx);
	return 0;
}

/* Splits the words of `line` (at most 32) into argv, in buf. */
static int split(const char *line, char *buf, size_t cap, char **argv)
{
	int argc = 0;

	snprintf(buf, cap, "%s", line);
	for (char *w = strtok(buf, " "); w && argc < 32; w = strtok(NULL, " "))
		argv[argc++] = w;
	return argc;
}

void config_of(const char *opts, struct bond_config *cfg)
{
	char buf[512], err[256] = "", *argv[32];
	int argc = split(opts, buf, sizeof(buf), argv);
	int used;

	bond_config_init(cfg);
	used = bond_config_parse(cfg, argc, argv, NULL, err, sizeof(err));
	if (used != argc)
		fail_msg("'%s': parse returned %d: %s", opts, used, err);
}

void bond_new_empty(struct fx *fx, const char *opts)
{
	struct bond_config cfg;

	config_of(opts, &cfg);
	fx->bond = bond_create("bond0", BOND_SLOT, &cfg, &fake_ops, fx, fx->err,
			       sizeof(fx->err));
	if (!fx->bond)
		fail_msg("bond_create: %s", fx->err);
}

int member_add(struct fx *fx, int i)
{
	int ret;

	fx->port[i].carrier = fx->device[i];
	ret = bond_member_add(fx->bond, &fx->port[i], fx->now, fx->err,
			      sizeof(fx->err));
	if (ret >= 0)
		assert_int_equal(ret, fx->member[i]);
	return ret < 0 ? ret : 0;
}

int member_del(struct fx *fx, int i)
{
	int m = bond_member_find(fx->bond, pf_nm[i]);

	if (m < 0)
		return m;
	return bond_member_del(fx->bond, (unsigned)m, fx->now);
}

void bond_new(struct fx *fx, const char *opts)
{
	bond_new_empty(fx, opts);
	for (int i = 0; i < 2; i++)
		if (member_add(fx, i) < 0)
			fail_msg("member add %s: %s", pf_nm[i], fx->err);
}

void reconfigure(struct fx *fx, const char *opts)
{
	struct bond_config cfg;

	config_of(opts, &cfg);
	if (bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)))
		fail_msg("reconfigure '%s': %s", opts, fx->err);
}

void fake_carrier(struct fx *fx, int i, bool carrier)
{
	assert_true(fx->member[i] >= 0);
	bond_link_changed(fx->bond, (unsigned)fx->member[i], carrier, fx->now);
}

void cable(struct fx *fx, int i, bool in)
{
	fx->device[i] = in;
	fake_carrier(fx, i, in);
}

void wire(struct fx *fx, int i, bool in)
{
	fx->device[i] = in;
}

static char *json_text(struct fx *fx)
{
	json_t *j = fx_json(fx);
	char *s = json_dumps(j, JSON_SORT_KEYS);

	json_decref(j);
	return s;
}

/* bond_run() at fx->now; before bond_next_deadline() it must do nothing. */
static void fx_run(struct fx *fx)
{
	uint64_t deadline = bond_next_deadline(fx->bond);
	bool quiet = fx->now < deadline;
	char *before = quiet ? json_text(fx) : NULL;
	size_t loglen = fx->loglen;

	bond_run(fx->bond, fx->now);
	if (quiet) {
		char *after = json_text(fx);
		bool same = !strcmp(before, after) && loglen == fx->loglen;

		free(before);
		free(after);
		if (!same)
			fail_msg("bond_run at %llu changed something before "
				 "the deadline %llu: %s",
				 (unsigned long long)fx->now,
				 (unsigned long long)deadline,
				 fx->log + loglen);
	}
}

void run_at(struct fx *fx, uint64_t at)
{
	assert_true(T0 + at >= fx->now);
	fx->now = T0 + at;
	fx_run(fx);
}

json_t *fx_json(struct fx *fx)
{
	struct bond_status st;

	bond_get_status(fx->bond, &st);
	return reply_bond_json(&st);
}

const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return json_string_value(v);
	return json_is_null(v) ? "null" : v ? "(not a string)" : "(absent)";
}

json_t *member_of(json_t *bond, const char *name)
{
	json_t *members = json_object_get(bond, "members");

	for (size_t i = 0; i < json_array_size(members); i++)
		if (!strcmp(jstr(json_array_get(members, i), "name"), name))
			return json_array_get(members, i);
	return NULL;
}

bool published_tx(const struct fx *fx, int i)
{
	for (unsigned t = 0; t < fx->lag.tx_count; t++)
		if (fx->lag.tx_ifindex[t] == (uint32_t)fx->port[i].ifindex)
			return true;
	return false;
}

bool published_rx(const struct fx *fx, int i)
{
	return fx->member[i] >= 0 && (fx->lag.rx_mask >> fx->member[i]) & 1;
}

void mismatch(struct why *w, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->msg[0])
		return;
	n = snprintf(w->msg, sizeof(w->msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(w->msg + n, sizeof(w->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

void check_bool(struct why *w, json_t *obj, const char *key, bool want,
		const char *what, const char *file, int line)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_boolean(v))
		mismatch(w, file, line, "%s: \"%s\" is not a boolean", what,
			 key);
	else if (json_is_true(v) != want)
		mismatch(w, file, line, "%s: \"%s\" is %s, expected %s", what,
			 key, json_is_true(v) ? "true" : "false",
			 want ? "true" : "false");
}

void check_str(struct why *w, json_t *obj, const char *key, const char *want,
	       const char *what, const char *file, int line)
{
	const char *got = jstr(obj, key);

	if (strcmp(got, want))
		mismatch(w, file, line, "%s: \"%s\" is \"%s\", expected \"%s\"",
			 what, key, got, want);
}

void check_member(struct fx *fx, int i, const char *link, const char *state,
		  bool tx, bool rx, int failures, const char *file, int line)
{
	json_t *j = fx_json(fx), *m = member_of(j, pf_nm[i]);
	struct why w = {{0}};
	json_t *lf;

	if (!m) {
		mismatch(&w, file, line, "no member %s in bond show", pf_nm[i]);
		goto out;
	}
	check_str(&w, m, "link", link, pf_nm[i], file, line);
	check_str(&w, m, "state", state, pf_nm[i], file, line);
	check_bool(&w, m, "tx", tx, pf_nm[i], file, line);
	check_bool(&w, m, "rx", rx, pf_nm[i], file, line);
	/* what the datapath was given, not only what the bond says */
	if (published_tx(fx, i) != tx)
		mismatch(&w, file, line, "%s: published tx %d, expected %d",
			 pf_nm[i], published_tx(fx, i), tx);
	if (published_rx(fx, i) != rx)
		mismatch(&w, file, line, "%s: published rx %d, expected %d",
			 pf_nm[i], published_rx(fx, i), rx);
	lf = json_object_get(m, "link_failures");
	if (!json_is_integer(lf) || json_integer_value(lf) != failures)
		mismatch(&w, file, line, "%s: link_failures %lld, expected %d",
			 pf_nm[i],
			 json_is_integer(lf) ? json_integer_value(lf) : -1LL,
			 failures);
out:
	json_decref(j);
	if (w.msg[0])
		fail_msg("%s", w.msg);
}

void check_bond(struct fx *fx, const char *active, bool carrier, int nmembers,
		const char *file, int line)
{
	json_t *j = fx_json(fx), *act = json_object_get(j, "active");
	size_t n = json_array_size(json_object_get(j, "members"));
	struct why w = {{0}};

	if (!active) {
		if (!json_is_null(act))
			mismatch(&w, file, line, "active is %s, expected null",
				 act ? jstr(j, "active") : "absent");
	} else if (!strcmp(active, "-")) {
		if (act)
			mismatch(&w, file, line,
				 "\"active\" present outside active-backup");
	} else {
		check_str(&w, j, "active", active, "bond", file, line);
	}
	check_bool(&w, j, "carrier", carrier, "bond", file, line);
	if ((fx->lag.tx_count > 0) != carrier)
		mismatch(&w, file, line,
			 "published %u tx member(s), carrier expected %d",
			 fx->lag.tx_count, carrier);
	if ((int)n != nmembers)
		mismatch(&w, file, line, "%zu members, expected %d", n,
			 nmembers);
	json_decref(j);
	if (w.msg[0])
		fail_msg("%s", w.msg);
}

/* ---- the LACP partner ---- */

static int partner_send(void *ctx, unsigned port, const void *frame, size_t len)
{
	struct fx *fx = ctx;
	struct fx_frame *f;

	if (!fx->device[port] || fx->nto_bond >= 64)
		return 0;
	f = &fx->to_bond[fx->nto_bond++];
	f->port = port;
	f->len = len < sizeof(f->b) ? len : sizeof(f->b);
	memcpy(f->b, frame, f->len);
	return 0;
}

static void partner_changed(void *ctx)
{
	(void)ctx;
}

static const struct lacp_ops partner_ops = {
    .send = partner_send,
    .changed = partner_changed,
};

void fx_partner_open(struct fx *fx)
{
	struct lacp_config cfg = {
	    .sys_mac = {0x02, 0x00, 0x00, 0x00, 0x99, 0x00},
	    .sys_priority = 32768,
	    .key = 0x55,
	    .rate = LACP_RATE_FAST,
	    .active = true,
	    .aggregate_wait_ms = 2000,
	    .name = "partner",
	};

	fx->partner = lacp_create(&cfg, &partner_ops, fx);
	assert_non_null(fx->partner);
	for (int i = 0; i < 2; i++) {
		struct lacp_port_config pc = {
		    .port_number = (uint16_t)(i + 1),
		    .port_priority = 255,
		    .mac = {0x02, 0x00, 0x00, 0x00, 0x99, (uint8_t)(i + 1)},
		    .speed_mbps = 10000,
		};

		assert_int_equal(
		    lacp_port_add(fx->partner, (unsigned)i, &pc, fx->now), 0);
		lacp_port_set_enabled(fx->partner, (unsigned)i, true, fx->now);
	}
}

void fx_pump(struct fx *fx)
{
	for (int round = 0; round < 16 && (fx->nto_partner || fx->nto_bond);
	     round++) {
		struct fx_frame q[64];
		unsigned n = fx->nto_partner;

		memcpy(q, fx->to_partner, n * sizeof(q[0]));
		fx->nto_partner = 0;
		for (unsigned k = 0; k < n; k++)
			lacp_rx(fx->partner, q[k].port, q[k].b, q[k].len,
				fx->now);
		n = fx->nto_bond;
		memcpy(q, fx->to_bond, n * sizeof(q[0]));
		fx->nto_bond = 0;
		for (unsigned k = 0; k < n; k++)
			if (fx->member[q[k].port] >= 0)
				bond_rx(fx->bond,
					(unsigned)fx->member[q[k].port], q[k].b,
					q[k].len, fx->now);
	}
}

bool run_lacp(struct fx *fx, uint64_t ms, bool (*done)(struct fx *))
{
	for (uint64_t end = fx->now + ms; fx->now < end;) {
		fx->now += 100;
		fx_run(fx);
		lacp_run(fx->partner, fx->now);
		fx_pump(fx);
		if (done && done(fx))
			return true;
	}
	return done == NULL;
}

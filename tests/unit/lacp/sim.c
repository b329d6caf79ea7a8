/* The simulated wire of sim.h. Aborts on misuse, since a test harness bug
 * must not pass as a test result. */
#include "sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sim_die(const char *what)
{
	fprintf(stderr, "sim: %s\n", what);
	abort();
}

struct lacp_config sim_default_cfg(unsigned id)
{
	struct lacp_config cfg = {
	    .sys_mac = {0x02, 0, 0, 0, 0, (uint8_t)(id + 1)},
	    .sys_priority = 32768,
	    .key = 10,
	    .rate = LACP_RATE_FAST,
	    .active = true,
	    .ad_select = LACP_SELECT_COUNT,
	    .min_links = 0,
	    .aggregate_wait_ms = 2000,
	};

	cfg.name[0] = (char)('A' + id);
	return cfg;
}

struct lacp_port_config sim_port_cfg(unsigned sys, unsigned port)
{
	struct lacp_port_config cfg = {
	    .port_number = (uint16_t)(port + 1),
	    .port_priority = 255,
	    .mac = {0x02, 0, 0, 0, (uint8_t)(sys + 1), (uint8_t)(port + 1)},
	    .speed_mbps = 10000,
	};

	return cfg;
}

static struct sim_link *link_of(struct sim *sim, unsigned sys, unsigned port,
				unsigned *end)
{
	for (unsigned i = 0; i < SIM_MAX_LINKS; i++) {
		struct sim_link *l = &sim->links[i];

		for (unsigned e = 0; l->used && e < 2; e++)
			if (l->sys[e] == sys && l->port[e] == port) {
				*end = e;
				return l;
			}
	}
	return NULL;
}

static int sim_send(void *ctx, unsigned port, const void *frame, size_t len)
{
	struct sim_sys *s = ctx;
	struct sim *sim = s->sim;
	struct sim_port_log *log;
	struct sim_link *l;
	struct sim_frame *f;
	unsigned end;

	if (port >= s->nports || len > LACPDU_FRAME_LEN)
		sim_die("send: bad port or length");
	{
		struct lacpdu pdu;

		if (lacpdu_parse(frame, len, &pdu) != LACPDU_OK)
			sim_die("sent a frame that does not parse");
	}
	if (s->send_err)
		return s->send_err;
	log = &s->log[port];
	if (log->tx < SIM_TX_LOG)
		log->tx_time[log->tx] = sim->now;
	log->tx++;
	memcpy(log->last, frame, len);
	log->last_len = len;

	l = link_of(sim, s->id, port, &end);
	if (!l || !l->up || l->drop[end])
		return 0;
	if (sim->nqueue == SIM_QUEUE)
		sim_die("queue full");
	f = &sim->queue[sim->nqueue++];
	f->sys = l->sys[!end];
	f->port = l->port[!end];
	f->len = len;
	memcpy(f->data, frame, len);
	return 0;
}

static void sim_changed(void *ctx)
{
	struct sim_sys *s = ctx;

	s->changed_calls++;
}

void sim_init(struct sim *sim)
{
	memset(sim, 0, sizeof(*sim));
	sim->now = 1000000; /* not 0, so no code can mistake 0 for "unset" */
}

void sim_fini(struct sim *sim)
{
	for (unsigned i = 0; i < sim->nsys; i++)
		lacp_destroy(sim->sys[i].lacp);
}

unsigned sim_add_sys(struct sim *sim, const struct lacp_config *cfg,
		     unsigned nports)
{
	static const struct lacp_ops ops = {
	    .send = sim_send,
	    .changed = sim_changed,
	};
	struct sim_sys *s;
	unsigned id = sim->nsys;

	if (id == SIM_MAX_SYS || nports > LACP_MAX_PORTS)
		sim_die("too many systems or ports");
	s = &sim->sys[id];
	s->sim = sim;
	s->id = id;
	s->cfg = *cfg;
	s->nports = nports;
	s->lacp = lacp_create(cfg, &ops, s);
	if (!s->lacp)
		sim_die("lacp_create");
	for (unsigned p = 0; p < nports; p++) {
		struct lacp_port_config pc = sim_port_cfg(id, p);

		if (lacp_port_add(s->lacp, p, &pc, sim->now))
			sim_die("lacp_port_add");
	}
	sim->nsys++;
	return id;
}

unsigned sim_connect(struct sim *sim, unsigned sa, unsigned pa, unsigned sb,
		     unsigned pb)
{
	for (unsigned i = 0; i < SIM_MAX_LINKS; i++) {
		struct sim_link *l = &sim->links[i];

		if (l->used)
			continue;
		l->used = true;
		l->sys[0] = sa;
		l->port[0] = pa;
		l->sys[1] = sb;
		l->port[1] = pb;
		sim_link_set(sim, i, true);
		return i;
	}
	sim_die("too many links");
	return 0;
}

void sim_link_set(struct sim *sim, unsigned link, bool up)
{
	struct sim_link *l = &sim->links[link];

	l->up = up;
	for (unsigned e = 0; e < 2; e++)
		lacp_port_set_enabled(sim->sys[l->sys[e]].lacp, l->port[e], up,
				      sim->now);
}

/* What must hold after every call, whatever the input. */
static void sim_check(struct sim_sys *s, uint64_t now)
{
	struct lacp_status as;

	/* A deadline not after now would make the event loop spin. */
	if (lacp_next_deadline(s->lacp) <= now)
		sim_die("deadline in the past after lacp_run");
	lacp_get_status(s->lacp, &as);
	for (unsigned p = 0; p < s->nports; p++) {
		struct lacp_port_status st;

		if (lacp_port_get_status(s->lacp, p, &st))
			continue;
		/* Collecting comes first, Distributing once the partner
		 * collects (lacp_mux.c). */
		if (st.distributing && !st.collecting)
			sim_die("distributing without collecting");
		if (st.distributing &&
		    (st.aggregator_id != as.active_aggregator_id || !as.ready ||
		     !st.enabled || !st.selected))
			sim_die("distributing outside the active aggregator");
	}
}

static void sim_step(struct sim *sim)
{
	unsigned n = sim->nqueue;
	struct sim_frame *batch;

	sim->now += SIM_STEP_MS;
	/* Deliver what was queued before this step; replies queue behind. */
	batch = malloc(sizeof(*batch) * (n ? n : 1));
	if (!batch)
		sim_die("malloc");
	memcpy(batch, sim->queue, sizeof(*batch) * n);
	sim->nqueue = 0;
	for (unsigned i = 0; i < n; i++) {
		struct sim_sys *s = &sim->sys[batch[i].sys];

		s->log[batch[i].port].last_rx_time = sim->now;
		s->log[batch[i].port].rx_any = true;
		lacp_rx(s->lacp, batch[i].port, batch[i].data, batch[i].len,
			sim->now);
	}
	free(batch);
	for (unsigned i = 0; i < sim->nsys; i++) {
		lacp_run(sim->sys[i].lacp, sim->now);
		sim_check(&sim->sys[i], sim->now);
	}
}

void sim_run(struct sim *sim, uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += SIM_STEP_MS)
		sim_step(sim);
}

long sim_run_until(struct sim *sim, bool (*pred)(struct sim *), uint64_t max_ms)
{
	uint64_t start = sim->now;

	while (!pred(sim)) {
		if (sim->now - start >= max_ms)
			return -1;
		sim_step(sim);
	}
	return (long)(sim->now - start);
}

bool sim_distributing(struct sim *sim, unsigned sys, unsigned port)
{
	return lacp_port_distributing(sim->sys[sys].lacp, port);
}

void sim_port_status(struct sim *sim, unsigned sys, unsigned port,
		     struct lacp_port_status *st)
{
	if (lacp_port_get_status(sim->sys[sys].lacp, port, st))
		sim_die("no such port");
}

size_t sim_craft_lacpdu(uint8_t *buf, const struct lacp_info *actor,
			const struct lacp_info *partner)
{
	struct lacpdu pdu = {
	    .kind = LACPDU_KIND_LACP,
	    .src_mac = {0x02, 0xee, 0, 0, 0, 1},
	    .actor = *actor,
	    .partner = *partner,
	};

	return lacpdu_encode(&pdu, buf, LACPDU_FRAME_LEN);
}

void sim_restart_sys(struct sim *sim, unsigned sys)
{
	static const struct lacp_ops ops = {
	    .send = sim_send,
	    .changed = sim_changed,
	};
	struct sim_sys *s = &sim->sys[sys];

	lacp_destroy(s->lacp);
	s->lacp = lacp_create(&s->cfg, &ops, s);
	if (!s->lacp)
		sim_die("lacp_create");
	/* A restarted vflagd holds its LACPDUs until it has resumed. */
	s->send_err = -EAGAIN;
	for (unsigned p = 0; p < s->nports; p++) {
		struct lacp_port_config pc = sim_port_cfg(sys, p);
		unsigned end;
		struct sim_link *l = link_of(sim, sys, p, &end);

		if (lacp_port_add(s->lacp, p, &pc, sim->now))
			sim_die("lacp_port_add");
		if (l && l->up)
			lacp_port_set_enabled(s->lacp, p, true, sim->now);
	}
	s->send_err = 0;
}

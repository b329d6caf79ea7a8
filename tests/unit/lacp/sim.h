/* A simulated wire for LACP unit tests: several struct lacp "systems"
 * whose ports are joined by links, a frame queue between them, and fake
 * time stepped in SIM_STEP_MS increments.
 *
 * Frames sent during a step are delivered at the start of the next one,
 * so a struct lacp is never re-entered from its own send callback. */
#ifndef VFLAG_TESTS_LACP_SIM_H
#define VFLAG_TESTS_LACP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lacp/lacp.h"
#include "lacp/lacpdu.h"

#define SIM_STEP_MS 10
#define SIM_MAX_SYS 4
#define SIM_MAX_LINKS 16
#define SIM_QUEUE 512
#define SIM_TX_LOG 4096

struct sim;

struct sim_port_log {
	unsigned tx;			/* frames sent */
	uint64_t tx_time[SIM_TX_LOG];	/* when, the first SIM_TX_LOG */
	uint8_t last[LACPDU_FRAME_LEN]; /* last frame sent */
	size_t last_len;
	uint64_t last_rx_time; /* last frame delivered to it */
	bool rx_any;
};

struct sim_sys {
	struct sim *sim;
	unsigned id;
	struct lacp *lacp;
	struct lacp_config cfg;
	unsigned nports;
	unsigned changed_calls;
	int send_err; /* returned by send when nonzero */
	struct sim_port_log log[LACP_MAX_PORTS];
};

struct sim_link {
	bool used;
	bool up;
	unsigned sys[2], port[2];
	bool drop[2]; /* drop frames sent by end i */
};

struct sim_frame {
	unsigned sys, port; /* destination */
	size_t len;
	uint8_t data[LACPDU_FRAME_LEN];
};

struct sim {
	uint64_t now;
	unsigned nsys;
	struct sim_sys sys[SIM_MAX_SYS];
	struct sim_link links[SIM_MAX_LINKS];
	struct sim_frame queue[SIM_QUEUE];
	unsigned nqueue;
};

/* Defaults: system MAC 02:00:00:00:00:<id+1>, priority 32768, key 10,
 * fast, active, ad_select count, no min_links, aggregate wait 2000 ms. */
struct lacp_config sim_default_cfg(unsigned id);
/* Port i: number i+1, priority 255, MAC 02:00:00:00:<sys+1>:<i+1>,
 * 10 Gb/s. */
struct lacp_port_config sim_port_cfg(unsigned sys, unsigned port);

void sim_init(struct sim *sim);
void sim_fini(struct sim *sim);
/* Adds a system with `nports` ports, all down; returns its index. */
unsigned sim_add_sys(struct sim *sim, const struct lacp_config *cfg,
		     unsigned nports);
/* Joins two ports and brings both up now; returns the link index. */
unsigned sim_connect(struct sim *sim, unsigned sa, unsigned pa, unsigned sb,
		     unsigned pb);
/* Link up or down at both ends, now. */
void sim_link_set(struct sim *sim, unsigned link, bool up);
/* vflagd restarted on system `sys`: a new LACP instance with the same
 * config and ports, enabled as their links are, its first frames held
 * (not sent). The caller resumes the ports or lets them start over. */
void sim_restart_sys(struct sim *sim, unsigned sys);
/* Advances time by `ms`, delivering frames and running every system. */
void sim_run(struct sim *sim, uint64_t ms);
/* Steps until pred() holds; returns the ms it took, or -1 after max_ms. */
long sim_run_until(struct sim *sim, bool (*pred)(struct sim *),
		   uint64_t max_ms);

bool sim_distributing(struct sim *sim, unsigned sys, unsigned port);
void sim_port_status(struct sim *sim, unsigned sys, unsigned port,
		     struct lacp_port_status *st);

/* Builds an LACPDU frame with the given actor and partner; returns its
 * length (LACPDU_FRAME_LEN). */
size_t sim_craft_lacpdu(uint8_t *buf, const struct lacp_info *actor,
			const struct lacp_info *partner);

#endif

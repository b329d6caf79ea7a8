/* Fuzz target for the LACPDU / Marker decoder and the LACP machines.
 *
 * One input is one received frame. It is decoded, and a frame that decodes
 * must survive encode -> decode unchanged. Then it is fed, as if from a
 * partner, to both ports of a fresh two-port system several times with
 * time stepping across the aggregate wait and every timeout. Bytes past
 * the 124-octet PDU, which the decoder ignores, also drive a script of
 * events (see run_script) so interleavings get explored. After every call
 * the machines' invariants are checked. Any violation aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "lacp/lacp.h"
#include "lacp/lacpdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The frame we send must always decode. */
static int fuzz_send(void *ctx, unsigned port, const void *frame, size_t len)
{
	struct lacpdu pdu;

	if (port >= 2 || lacpdu_parse(frame, len, &pdu) != LACPDU_OK)
		abort();
	return 0;
}

static void fuzz_changed(void *ctx)
{
	(*(unsigned *)ctx)++;
}

static void check_roundtrip(const uint8_t *data, size_t size)
{
	uint8_t buf[LACPDU_FRAME_LEN];
	struct lacpdu pdu, again;
	size_t len;

	if (lacpdu_parse(data, size, &pdu) != LACPDU_OK)
		return;
	len = lacpdu_encode(&pdu, buf, sizeof(buf));
	if (len != LACPDU_FRAME_LEN ||
	    lacpdu_parse(buf, len, &again) != LACPDU_OK)
		abort();
	if (again.kind != pdu.kind || memcmp(again.src_mac, pdu.src_mac, 6))
		abort();
	if (pdu.kind == LACPDU_KIND_LACP &&
	    (memcmp(&again.actor, &pdu.actor, sizeof(pdu.actor)) ||
	     memcmp(&again.partner, &pdu.partner, sizeof(pdu.partner)) ||
	     again.collector_max_delay != pdu.collector_max_delay))
		abort();
	if (pdu.kind != LACPDU_KIND_LACP &&
	    memcmp(&again.marker, &pdu.marker, sizeof(pdu.marker)))
		abort();
}

/* What must hold after every call, whatever came in. */
static void check_invariants(const struct lacp *lacp, uint64_t now)
{
	struct lacp_status as;

	if (lacp_next_deadline(lacp) <= now)
		abort();
	lacp_get_status(lacp, &as);
	for (unsigned p = 0; p < 2; p++) {
		struct lacp_port_status st;

		if (lacp_port_get_status(lacp, p, &st))
			abort();
		if (st.distributing && !st.collecting)
			abort();
		if (st.distributing &&
		    (st.aggregator_id != as.active_aggregator_id || !as.ready ||
		     !st.selected || !st.enabled))
			abort();
		if (st.counters.illegal_rx !=
		    st.counters.rx_truncated + st.counters.rx_bad_version +
			st.counters.rx_bad_tlv + st.counters.rx_bad_system +
			st.counters.rx_not_slow)
			abort();
	}
}

/* Each script byte: bit 0 the port, bits 1-2 the event, bits 3-7 its
 * argument. Events: the frame arrives; time passes; the link flips; the
 * frame arrives with its actor key (octets 26-27) replaced, a flapping
 * partner. */
static uint64_t run_script(struct lacp *lacp, const uint8_t *data, size_t size,
			   uint64_t now)
{
	static const uint32_t waits[] = {0,	1,    10,   999,   1000,  2000,
					 2999,	3000, 5000, 29999, 30000, 60000,
					 90000, 100,  500,  250};
	const uint8_t *script = data + LACPDU_FRAME_LEN;
	size_t n = size - LACPDU_FRAME_LEN;
	uint8_t frame[LACPDU_FRAME_LEN];
	bool up[2] = {true, true};

	if (n > 256)
		n = 256;
	for (size_t i = 0; i < n; i++) {
		unsigned port = script[i] & 1, arg = script[i] >> 3;

		switch ((script[i] >> 1) & 3) {
		case 0:
			lacp_rx(lacp, port, data, size, now);
			break;
		case 1:
			now += waits[arg & 15];
			lacp_run(lacp, now);
			break;
		case 2:
			up[port] = !up[port];
			lacp_port_set_enabled(lacp, port, up[port], now);
			break;
		case 3:
			memcpy(frame, data, sizeof(frame));
			frame[26] = 0;
			frame[27] = (uint8_t)arg;
			lacp_rx(lacp, port, frame, sizeof(frame), now);
			break;
		}
		check_invariants(lacp, now);
	}
	return now;
}

static void run_machines(const uint8_t *data, size_t size)
{
	/* The partner in the seed corpus knows this system as
	 * 02:00:00:00:00:01, key 10, ports 1 and 2. */
	struct lacp_config cfg = {
	    .sys_mac = {0x02, 0, 0, 0, 0, 0x01},
	    .sys_priority = 32768,
	    .key = 10,
	    .rate = LACP_RATE_FAST,
	    .active = true,
	    .ad_select = LACP_SELECT_COUNT,
	    .min_links = 1,
	    .aggregate_wait_ms = 2000,
	    .name = "fuzz",
	};
	unsigned changed = 0;
	struct lacp_ops ops = {.send = fuzz_send, .changed = fuzz_changed};
	/* steps that cross the aggregate wait, short and long timeouts */
	static const uint32_t steps[] = {10, 2100, 500, 3100, 3100, 95000};
	struct lacp *lacp = lacp_create(&cfg, &ops, &changed);
	uint64_t now = 1000;

	if (!lacp)
		abort();
	for (unsigned p = 0; p < 2; p++) {
		struct lacp_port_config pc = {
		    .port_number = (uint16_t)(p + 1),
		    .port_priority = 255,
		    .mac = {0x02, 0, 0, 0, 1, (uint8_t)(p + 1)},
		    .speed_mbps = 10000,
		};

		if (lacp_port_add(lacp, p, &pc, now))
			abort();
		lacp_port_set_enabled(lacp, p, true, now);
	}
	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		lacp_rx(lacp, 0, data, size, now);
		if (i < 3)
			lacp_rx(lacp, 1, data, size, now);
		check_invariants(lacp, now);
		now += steps[i];
		lacp_run(lacp, now);
		check_invariants(lacp, now);
	}
	if (size > LACPDU_FRAME_LEN)
		now = run_script(lacp, data, size, now);
	lacp_port_set_enabled(lacp, 1, false, now);
	check_invariants(lacp, now);
	lacp_destroy(lacp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;

	if (!quiet) {
		log_set_quiet(true);
		quiet = true;
	}
	check_roundtrip(data, size);
	run_machines(data, size);
	return 0;
}

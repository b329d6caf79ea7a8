#!/usr/bin/env bash
# Installs every Debian package vflag needs to build, test and demo.
# Idempotent: does nothing when all of them are already installed.
# Usage: ./scripts/setup.sh
set -euo pipefail

PACKAGES=(
	# build
	clang llvm libbpf-dev libmnl-dev libjansson-dev libcmocka-dev
	gcc libc6-dev meson ninja-build pkg-config bpftool libelf-dev zlib1g-dev
	# the format check (scripts/check-format.sh) and the layer check
	clang-format python3
	# vflagd's Prometheus endpoint
	libmicrohttpd-dev
	# libFuzzer and the sanitizer runtimes for clang (only recommended by it)
	libclang-rt-dev
	# integration tests, demo, bench
	iproute2 iperf3 ethtool nftables iputils-ping procps
	python3-pytest python3-pytest-timeout python3-pyroute2 python3-scapy
	openvswitch-switch
	# metrics tests: promtool check metrics, a real Prometheus scrape
	prometheus
	# installed layout (tests/dist): systemd-analyze and systemd.pc, man
	# page lint (groff, mandoc), bash completion and its .pc
	systemd groff-base mandoc man-db bash-completion
	# vflag-cni tests: host-local (IPAM) and tuning (chaining)
	containernetworking-plugins
	# QEMU on a TAP VF (doc/qemu.md, test_qemu.py): QEMU with slirp (TCG
	# is enough), virt-xml-validate and the xmllint it runs
	qemu-system-x86 libvirt-clients libxml2-utils
)

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: run as root (it installs packages)" >&2
	exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup.sh: all ${#PACKAGES[@]} packages present"
	exit 0
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update </dev/null
apt-get install -y --no-install-recommends "${missing[@]}" </dev/null


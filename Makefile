# seqtest: verify TCP end to end and measure its round-trip latency.
VERSION =	1.0.0

PROG =		seqtest
SRCS =		seqtest.c options.c merge.c search.c supervisor.c intervals.c \
		expect.c report.c plot.c worker.c budget.c net.c errors.c \
		proto.c stats.c tcpinfo.c json.c wallclock.c fleet.c peerview.c
OBJS =		$(SRCS:.c=.o)
HDRS =		config.h options.h merge.h search.h supervisor.h intervals.h \
		expect.h report.h plot.h worker.h budget.h flow.h net.h \
		errors.h clock.h proto.h stats.h rng.h tcpinfo.h json.h \
		wallclock.h fleet.h status.h peerview.h
MAN =		man/seqtest.1

PREFIX ?=	/usr/local
BINDIR =	$(PREFIX)/bin
MANDIR =	$(PREFIX)/share/man/man1

CC ?=		cc
CFLAGS ?=	-O2 -g
WARN =		-Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
		-Wshadow -Wpointer-arith -Wcast-qual -Wsign-compare
STD =		-std=c99 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700
ALL_CFLAGS =	$(STD) $(WARN) -DSEQTEST_VERSION=\"$(VERSION)\" $(CFLAGS)
LDLIBS =	-lm

all: $(PROG)

$(PROG): $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

.c.o:
	$(CC) $(ALL_CFLAGS) -c $<

$(OBJS): $(HDRS)

TEST_TOOLS =	tests/faultproxy tests/stats_test tests/hostile

tests/faultproxy: tests/faultproxy.c
	$(CC) $(ALL_CFLAGS) -o $@ tests/faultproxy.c

tests/hostile: tests/hostile.c proto.c proto.h
	$(CC) $(ALL_CFLAGS) -o $@ tests/hostile.c proto.c

tests/stats_test: tests/stats_test.c stats.c stats.h rng.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/stats_test.c stats.c $(LDLIBS)

# The README's demonstration: a replier and a sender on loopback.
demo: $(PROG)
	@./$(PROG) -r 127.0.0.1:0 2>.demo.err & pid=$$!; \
	for i in 1 2 3 4 5 6 7 8 9 10; do \
		grep -q Listening .demo.err 2>/dev/null && break; sleep 0.2; done; \
	port=$$(sed -n 's/^Listening on .* port //p' .demo.err); \
	echo "replier pid $$pid on 127.0.0.1 port $$port"; \
	echo "$$ ./$(PROG) -S -o count=20000 127.0.0.1:$$port"; \
	./$(PROG) -S -o count=20000 127.0.0.1:$$port; \
	echo "$$ ./$(PROG) -s -o threads=4,count=5000,ssize_min=40,ssize_max=8000,rinterval=2 127.0.0.1:$$port"; \
	./$(PROG) -s -o threads=4,count=5000,ssize_min=40,ssize_max=8000,rinterval=2 127.0.0.1:$$port; \
	rc=$$?; kill $$pid; wait $$pid; rm -f .demo.err; exit $$rc

# The bats files run JOBS at a time (GNU parallel), those marked
# "seqtest: serial" alone after them; tests/run says how and tallies.
JOBS ?=		2
RUN_TESTS =	ASAN_OPTIONS=handle_segv=0 tests/run -j $(JOBS)

# The quick loop: the whole suite against ./seqtest.
test: $(PROG) $(TEST_TOOLS)
	@$(RUN_TESTS) native=$(CURDIR)/$(PROG):all

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
SAN =		-fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
$(PROG)-asan: $(SRCS) $(HDRS)
	$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $(SRCS) $(LDLIBS)

# A SIGSEGV sent by the crash tests must kill, not be reported by ASan
# (RUN_TESTS' ASAN_OPTIONS).
test-asan: $(PROG)-asan $(TEST_TOOLS)
	@$(RUN_TESTS) asan=$(CURDIR)/$(PROG)-asan:all

# Small and portable: a static musl binary, and cross builds run under
# qemu-user by tests/interop.bats (big-endian s390x, 32-bit arm).
MUSL_CC ?=	musl-gcc
ARM_CC ?=	arm-linux-gnueabihf-gcc
S390X_CC ?=	s390x-linux-gnu-gcc
XDEFS =		$(STD) $(WARN) -DSEQTEST_VERSION=\"$(VERSION)\"
# 100 KiB until flows were sized to their needs (budget.c, the latency
# tables): 104 KiB since; 128 KiB for issue 12's features (expect=, -J,
# -m and its JSON reader, the histogram and intervals in -j); 192 KiB
# since issue 19, where libc's getopt and strtod replaced code written
# only to save their bytes.
STATIC_MAX =	196608
# -flto makes the sources one unit for -Os: it inlines and drops code
# across files, about 900 bytes.
STATIC_CFLAGS =	-Os -flto -fno-pie -ffunction-sections -fdata-sections \
		-fno-asynchronous-unwind-tables
# musl applies no RELRO to a static binary: -z norelro only drops padding.
# A small common page size keeps ld from page-aligning the data segment
# in the file to save one page of memory: up to 4 KiB of file padding.
STATIC_LDFLAGS = -static -no-pie -s -Wl,--gc-sections \
		-Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,common-page-size=16

# The toolchains' version strings (.comment) are all that -s leaves.
STATIC_STRIP ?=	strip
$(PROG)-static: $(SRCS) $(HDRS)
	$(MUSL_CC) $(XDEFS) $(STATIC_CFLAGS) $(STATIC_LDFLAGS) -o $@ $(SRCS) -lm
	$(STATIC_STRIP) -R .comment $@

static: $(PROG)-static
	@n=$$(wc -c <$(PROG)-static); \
	echo "$(PROG)-static: $$n bytes (limit $(STATIC_MAX))"; \
	test "$$n" -le $(STATIC_MAX)

# Static, so that qemu-user needs no sysroot and no binfmt_misc.  The
# linker's expected warning (getaddrinfo in a static glibc binary) is
# kept in $@.log, shown when the build fails.
$(PROG)-arm: $(SRCS) $(HDRS)
	$(ARM_CC) $(XDEFS) -O2 -static -o $@ $(SRCS) -lm 2>$@.log || \
	    { cat $@.log; exit 1; }

$(PROG)-s390x: $(SRCS) $(HDRS)
	$(S390X_CC) $(XDEFS) -O2 -static -o $@ $(SRCS) -lm 2>$@.log || \
	    { cat $@.log; exit 1; }

cross: $(PROG)-arm $(PROG)-s390x

# Warning-free at -Wpedantic -Werror with both compilers (objects unkept).
strict:
	for cc in gcc clang; do \
		$$cc $(XDEFS) -Wpedantic -Werror -O2 -o $(PROG)-strict \
		    $(SRCS) -lm || exit 1; \
		echo "$$cc: no warnings"; \
	done; rm -f $(PROG)-strict

# libFuzzer over the header decoder and the option parser (needs clang
# and, on Debian, libclang-rt-14-dev); FUZZ_SECONDS each, default 60.
fuzz:
	fuzz/run

# Everything CI runs that needs no root-only setup beyond packages, in
# one tally.  One sanitizer pass does the work of a native and an ASan
# pass: the whole suite under ASan+UBSan, but for what only the native
# build can show (valgrind, its memory figures, the static build beside
# it, make install).  The static build runs the files about what
# differs between builds: the wire between hosts (interop, against the
# cross builds under qemu), sizes and delays (core), hostile peers,
# addresses (musl's resolver).  The fuzzers run FUZZ_SECONDS each.
#
# Time on 2 cores shared with five other builds and test runs (load
# average 12 to 130 that day), so each figure is of its hour and only
# the figures side by side compare:
#   before: `bats --timing tests`, the native pass alone, serial:
#     1399 s; make check ran it three times (native, ASan, static) and
#     3 fuzzers of 60 s: about 4400 s at that load
#   after:  `time make check`: 1779 s in all: builds about 60 s, fuzz
#     114 s, asan 1452 s, native 69 s, static 86 s
# so about 0.4 of the time before: the 23-28 min measured on a less
# busy day become about 10-11 min.
CHECK_PASSES =	asan=$(CURDIR)/$(PROG)-asan:all-valgrind-memory-static-install-interop-vm \
		native=$(CURDIR)/$(PROG):valgrind,memory,static,install,vm \
		static=$(CURDIR)/$(PROG)-static:interop,core,hostile,address
FUZZ_SECONDS ?=	20
check: all $(TEST_TOOLS) strict static cross $(PROG)-asan
	@FUZZ_SECONDS=$(FUZZ_SECONDS) $(RUN_TESTS) -c 'fuzz:fuzz/run' \
	    $(CHECK_PASSES)

install: $(PROG)
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	cp $(PROG) $(DESTDIR)$(BINDIR)/$(PROG)
	chmod 755 $(DESTDIR)$(BINDIR)/$(PROG)
	cp $(MAN) $(DESTDIR)$(MANDIR)/seqtest.1
	chmod 644 $(DESTDIR)$(MANDIR)/seqtest.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(PROG) $(DESTDIR)$(MANDIR)/seqtest.1

clean:
	rm -f $(PROG) $(OBJS) $(TEST_TOOLS) $(PROG)-asan $(PROG)-static \
	    $(PROG)-arm $(PROG)-s390x $(PROG)-arm.log $(PROG)-s390x.log
	rm -rf fuzz/proto_fuzz fuzz/options_fuzz fuzz/json_fuzz fuzz/corpus-work \
	    tests/logs

.PHONY: all demo test test-asan strict static cross fuzz check install \
	uninstall clean

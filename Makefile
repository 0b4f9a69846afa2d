# seqtest: verify TCP end to end and measure its round-trip latency.
VERSION =	1.0.0

PROG =		seqtest
SRCS =		seqtest.c options.c supervisor.c report.c worker.c proto.c stats.c
OBJS =		$(SRCS:.c=.o)
HDRS =		config.h options.h supervisor.h worker.h proto.h stats.h rng.h
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

TEST_TOOLS =	tests/faultproxy tests/stats_test

tests/faultproxy: tests/faultproxy.c
	$(CC) $(ALL_CFLAGS) -o $@ tests/faultproxy.c

tests/stats_test: tests/stats_test.c stats.c stats.h rng.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/stats_test.c stats.c $(LDLIBS)

test: $(PROG) $(TEST_TOOLS)
	bats tests

clean:
	rm -f $(PROG) $(OBJS) $(TEST_TOOLS)

.PHONY: all test clean

/*
 * libFuzzer target for options.c: whatever a user types after -o, and
 * whatever address argument, must either fail with a message or yield a
 * config the rest of seqtest can trust.  opt_resolve is left out: it
 * calls getaddrinfo, which is slow and depends on the host.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "options.h"
#include "proto.h"

#define REQUIRE(c)	do { if (!(c)) abort(); } while (0)
#define ADDR_BUFLEN	256	/* what resolve_one passes */
#define POISON		0xa5	/* a byte no output should be left holding */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A failure leaves one non-empty, terminated line in err. */
static void
check_err(const char *err)
{
	REQUIRE(memchr(err, '\0', OPT_ERRLEN) != NULL);
	REQUIRE(err[0] != '\0');
}

static void
check_size_range(const struct range *r)
{
	REQUIRE(r->min >= PROTO_MSG_MIN && r->max <= PROTO_MSG_MAX);
	REQUIRE(r->min <= r->max);
}

/* What workers and the wire format rely on after a successful parse. */
static void
check_config(const struct config *cfg)
{
	check_size_range(&cfg->ssize);
	check_size_range(&cfg->rsize);
	REQUIRE(cfg->sdelay.min <= cfg->sdelay.max);
	REQUIRE(cfg->rdelay.min <= cfg->rdelay.max);
	/* rdly is a u32 on the wire. */
	REQUIRE(cfg->rdelay.max <= UINT32_MAX);
	REQUIRE(cfg->threads <= MAX_FLOWS);
	REQUIRE(cfg->verify == 0 || cfg->verify == 1);
	REQUIRE(cfg->close <= CLOSE_RESET);
	REQUIRE(cfg->duration >= 0 && cfg->interval >= 0);
	if (cfg->mode != MODE_REPLY)
		REQUIRE(cfg->count != 0 || cfg->duration > 0);
	/* expect= given is at least one condition, each of them parsed. */
	REQUIRE((cfg->expect != NULL) == (cfg->nexpect > 0));
	REQUIRE(cfg->nexpect <= EXPECT_MAX);
	REQUIRE(cfg->nexpect == 0 || cfg->expect_conds != NULL);
}

static void
fuzz_option_list(enum mode mode, const char *list)
{
	struct config	 cfg;
	char		 err[OPT_ERRLEN];

	memset(err, POISON, sizeof(err));
	opt_defaults(&cfg);
	cfg.mode = mode;
	if (opt_parse_list(&cfg, list, err) == -1 ||
	    opt_finish(&cfg, err) == -1 || (cfg.expect != NULL &&
	    expect_parse(cfg.expect, &cfg.expect_conds, &cfg.nexpect, err,
	    OPT_ERRLEN) == -1))
		check_err(err);
	else
		check_config(&cfg);
	opt_free(&cfg);
}

/* Each part is terminated inside its buffer, so shorter than it. */
static void
check_part(const char *part)
{
	REQUIRE(memchr(part, '\0', ADDR_BUFLEN) != NULL);
}

static void
fuzz_address(const char *arg)
{
	char	 local[ADDR_BUFLEN], host[ADDR_BUFLEN], port[ADDR_BUFLEN];
	char	 err[OPT_ERRLEN];

	memset(local, POISON, sizeof(local));
	memset(host, POISON, sizeof(host));
	memset(port, POISON, sizeof(port));
	memset(err, POISON, sizeof(err));
	if (opt_split_address(arg, local, host, port, ADDR_BUFLEN, err) == -1) {
		check_err(err);
		return;
	}
	check_part(local);
	check_part(host);
	check_part(port);
	/* The port is what follows the last colon, never empty. */
	REQUIRE(port[0] != '\0' && strchr(port, ':') == NULL);
	REQUIRE(local[0] == '\0' || strchr(arg, ',') != NULL);
}

/*
 * Seeds stay readable: 's', 'S' and 'r' name the mode as the command
 * line's flags do; any other byte still picks one of the three.
 */
static enum mode
pick_mode(uint8_t c)
{
	static const enum mode modes[] = { MODE_SEND, MODE_SYNC, MODE_REPLY };

	switch (c) {
	case 's':
		return MODE_SEND;
	case 'S':
		return MODE_SYNC;
	case 'r':
		return MODE_REPLY;
	}
	return modes[c % 3];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if (size == 0)
		return 0;
	/* The first byte picks the mode; the rest is the string. */
	if ((s = malloc(size)) == NULL)
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	fuzz_option_list(pick_mode(data[0]), s);
	fuzz_address(s);
	free(s);
	return 0;
}

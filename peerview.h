/*
 * Asking the other end: what the replier saw of a flow's connection.
 * The replier keeps its recent connection endings (flow.h's view
 * table) and answers a query, on a fresh connection, to whoever names
 * the flow's random identity; the sender asks after a failure, and
 * makes of the two views one line.  Nothing here runs per message.
 */
#ifndef SEQTEST_PEERVIEW_H
#define SEQTEST_PEERVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"
#include "flow.h"

/* The sender's side of a query: the answer, or why there is none. */
struct peer_answer {
	struct proto_view	 v;	/* v.state says which */
	int			 err;	/* VIEW_UNREACHABLE: errno */
	char			 call[16];	/* and the call that failed */
};

void	 peerview_keep(struct view_table *, const struct proto_view *);
void	 peerview_answer(int, const struct flow *, const unsigned char *);
void	 peerview_ask(const struct endpoint *, uint64_t, uint64_t,
	    struct peer_answer *);
void	 peerview_line(char *, size_t, const struct flow_error *,
	    const struct peer_answer *);

#endif

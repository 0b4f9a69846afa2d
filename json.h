/*
 * JSON: a small, strict reader for the documents -m merges, and the
 * writers every JSON output of seqtest goes through.  The reader parses
 * one value at a time out of an input held in memory, into nodes that
 * refer to each other by index: objects, arrays, strings, numbers,
 * true, false and null, nested at most JSON_DEPTH deep.  Anything else
 * stops it, with the offset of the byte where it stopped and why.
 */
#ifndef SEQTEST_JSON_H
#define SEQTEST_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH	16		/* seqtest's documents nest 4 deep */
#define JSON_MAX_INPUT	((size_t)64 << 20)	/* bytes of one input */

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

/* One value.  Index 0 is no node: an end of a list, a key not found. */
struct json_node {
	uint32_t	type;		/* enum json_type */
	uint32_t	next;		/* the next element or member, or 0 */
	uint32_t	child;		/* an array's or object's first, or 0 */
	uint32_t	key;		/* a member's key, as an offset in text */
	uint32_t	at;		/* offset of a number's text or a string */
	uint32_t	len;		/* that number's length */
};

/*
 * An input and the values parsed from it.  Strings are unescaped in
 * place and end in a NUL; a string holding a NUL, or escaped as a code
 * point above U+00FF (which seqtest never writes), is refused.
 */
struct json {
	char			*text;		/* len bytes and a NUL */
	size_t			 len;
	size_t			 pos;		/* where the next value starts */
	struct json_node	*node;
	size_t			 nnodes;
	size_t			 cap;
	size_t			 err_at;	/* byte where parsing stopped */
	const char		*err;		/* why; NULL when it did not */
	size_t			 max_nodes;	/* a value's, at most; 0: any */
	const char *const	*keep;		/* see below; NULL: all */
	int			 quiet;		/* parsing a member not kept */
};

/*
 * keep, when set, names the members of a top-level object that are
 * kept, in a list that ends with NULL; the others are checked as JSON
 * but take no node, so that a large member nobody reads costs nothing.
 * max_nodes bounds the nodes of one top-level value: past it, the
 * parse stops.  json_drop_nodes forgets the values parsed so far, and
 * keeps the input and the memory for the next.
 */

void		 json_init(struct json *, char *, size_t);
void		 json_free(struct json *);
void		 json_drop_nodes(struct json *);
uint32_t	 json_parse_next(struct json *);
uint32_t	 json_find(const struct json *, uint32_t, const char *);
const char	*json_text(const struct json *, uint32_t);
int		 json_uint(const struct json *, uint32_t, uint64_t *);
int		 json_real(const struct json *, uint32_t, double *);

void		 json_put_str(FILE *, const char *);
void		 json_put_members(FILE *, const struct json *, uint32_t,
		    const char *, const char *);

#endif

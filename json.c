/*
 * The JSON reader and writers: see json.h.  The reader is recursive
 * descent over RFC 8259's grammar, bounded in depth; it never reads
 * past the input's end, as the input ends in a NUL that no rule takes.
 */
#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int	parse_value(struct json *, int, uint32_t *);

/* Takes text, len bytes followed by a NUL, which json_free frees. */
void
json_init(struct json *j, char *text, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->text = text;
	j->len = len;
}

void
json_free(struct json *j)
{
	free(j->text);
	free(j->node);
	memset(j, 0, sizeof(*j));
}

void
json_drop_nodes(struct json *j)
{
	if (j->nnodes > 1)
		j->nnodes = 1;
}

/* Stops the parse at the current byte; always returns -1. */
static int
fail(struct json *j, const char *why)
{
	j->err = why;
	j->err_at = j->pos;
	return -1;
}

static void
skip_space(struct json *j)
{
	while (strchr(" \t\n\r", j->text[j->pos]) != NULL &&
	    j->text[j->pos] != '\0')
		j->pos++;
}

/*
 * A new node of type at the current byte; 0 when out of memory or past
 * max_nodes.  While a member that is not kept is parsed (quiet), every
 * value is written in the one node past the last, which counts as none.
 */
static uint32_t
new_node(struct json *j, enum json_type type)
{
	struct json_node *n;
	size_t		  cap, max = UINT32_MAX - 1;

	if (j->max_nodes != 0 && j->max_nodes < max)
		max = j->max_nodes;
	if (j->nnodes > max) {
		fail(j, "more values than a report holds");
		return 0;
	}
	if (j->nnodes >= j->cap) {
		cap = j->cap != 0 ? 2 * j->cap : 256;
		if (cap > max + 1)
			cap = max + 1;
		if ((n = realloc(j->node, cap * sizeof(*n))) == NULL) {
			fail(j, "out of memory");
			return 0;
		}
		j->node = n;
		j->cap = cap;
		if (j->nnodes == 0) {
			/* Index 0 is no node: a null, with no members. */
			memset(&j->node[0], 0, sizeof(*n));
			j->nnodes = 1;
		}
	}
	n = &j->node[j->nnodes];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->at = (uint32_t)j->pos;
	return (uint32_t)(j->quiet ? j->nnodes : j->nnodes++);
}

static int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte of a \uXXXX escape at p (after the 'u'); -1 if not one. */
static int
unicode_byte(const char *p)
{
	int	 v = 0, d, i;

	for (i = 0; i < 4; i++) {
		if ((d = hex_digit((unsigned char)p[i])) == -1)
			return -1;
		v = v << 4 | d;
	}
	return v >= 1 && v <= 0xff ? v : -1;
}

/* The byte an escape at text[pos] (after the '\') stands for, or -1. */
static int
escaped_byte(struct json *j)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char	*p;
	int		 c = j->text[j->pos];

	if (c == 'u') {
		if ((c = unicode_byte(j->text + j->pos + 1)) == -1)
			return fail(j, "an escaped code point outside U+0001 "
			    "to U+00FF");
		j->pos += 5;
		return c;
	}
	if (c == '\0' || (p = strchr(from, c)) == NULL)
		return fail(j, "an unknown escape");
	j->pos++;
	return to[p - from];
}

/*
 * The string at text[pos], unescaped in place and ended by a NUL; *at
 * is where it starts.
 */
static int
parse_string(struct json *j, uint32_t *at)
{
	size_t	 w;
	int	 c;

	if (j->text[j->pos] != '"')
		return fail(j, "expected a string");
	w = *at = (uint32_t)++j->pos;
	while ((c = (unsigned char)j->text[j->pos]) != '"') {
		if (c == '\0' && j->pos == j->len)
			return fail(j, "the input ends inside a string");
		if (c < 0x20)
			return fail(j, "a control character in a string");
		j->pos++;
		if (c == '\\' && (c = escaped_byte(j)) == -1)
			return -1;
		j->text[w++] = (char)c;
	}
	j->text[w] = '\0';
	j->pos++;
	return 0;
}

static int
skip_digits(struct json *j)
{
	size_t	 from = j->pos;

	while (j->text[j->pos] >= '0' && j->text[j->pos] <= '9')
		j->pos++;
	return j->pos > from ? 0 : fail(j, "expected a digit");
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
parse_number(struct json *j, uint32_t n)
{
	int	 c = j->text[j->pos];

	if (c != '-' && (c < '0' || c > '9'))
		return fail(j, c == '\0' && j->pos == j->len ?
		    "the input ends early" : "expected a value");
	if (c == '-')
		j->pos++;
	if (j->text[j->pos] == '0')
		j->pos++;
	else if (skip_digits(j) == -1)
		return -1;
	if (j->text[j->pos] == '.') {
		j->pos++;
		if (skip_digits(j) == -1)
			return -1;
	}
	if (j->text[j->pos] == 'e' || j->text[j->pos] == 'E') {
		j->pos++;
		if (j->text[j->pos] == '+' || j->text[j->pos] == '-')
			j->pos++;
		if (skip_digits(j) == -1)
			return -1;
	}
	j->node[n].len = (uint32_t)(j->pos - j->node[n].at);
	return 0;
}

/* Scans past the word at text[pos] if it is there. */
static int
scan_word(struct json *j, const char *word)
{
	size_t	 len = strlen(word);

	if (strncmp(j->text + j->pos, word, len) != 0)
		return 0;
	j->pos += len;
	return 1;
}

/* What follows an element or member: ',' or the closing byte. */
static int
scan_separator(struct json *j, int close, int *more)
{
	skip_space(j);
	if (j->text[j->pos] == close) {
		j->pos++;
		*more = 0;
		return 0;
	}
	if (j->text[j->pos] != ',')
		return fail(j, close == ']' ? "expected ',' or ']'" :
		    "expected ',' or '}'");
	j->pos++;
	*more = 1;
	return 0;
}

/* Whether member key of an object at depth takes nodes: see json.h. */
static int
is_kept(const struct json *j, uint32_t key, int depth)
{
	const char *const *k;

	if (j->keep == NULL || depth > 0 || j->quiet)
		return 1;
	for (k = j->keep; *k != NULL; k++)
		if (strcmp(j->text + key, *k) == 0)
			return 1;
	return 0;
}

/*
 * The elements of the array or the members of the object at parent,
 * whose opening byte has been taken, up to its closing one.
 */
static int
parse_list(struct json *j, uint32_t parent, int depth)
{
	int		 object = j->node[parent].type == JSON_OBJECT;
	int		 close = object ? '}' : ']', more = 1, skip, rv;
	uint32_t	 key = 0, v, last = 0;

	skip_space(j);
	if (j->text[j->pos] == close) {
		j->pos++;
		return 0;
	}
	while (more) {
		skip_space(j);
		if (object && parse_string(j, &key) == -1)
			return -1;
		skip_space(j);
		if (object && j->text[j->pos] != ':')
			return fail(j, "expected ':'");
		j->pos += object;
		skip = object && !is_kept(j, key, depth);
		j->quiet += skip;
		rv = parse_value(j, depth + 1, &v);
		j->quiet -= skip;
		if (rv == -1)
			return -1;
		if (skip) {
			if (scan_separator(j, close, &more) == -1)
				return -1;
			continue;
		}
		j->node[v].key = key;
		if (last == 0)
			j->node[parent].child = v;
		else
			j->node[last].next = v;
		last = v;
		if (scan_separator(j, close, &more) == -1)
			return -1;
	}
	return 0;
}

/* The type of the value that starts with byte c, if it is one. */
static enum json_type
type_of(int c)
{
	switch (c) {
	case '{':
		return JSON_OBJECT;
	case '[':
		return JSON_ARRAY;
	case '"':
		return JSON_STRING;
	case 'n':
		return JSON_NULL;
	case 'f':
		return JSON_FALSE;
	case 't':
		return JSON_TRUE;
	default:
		return JSON_NUMBER;
	}
}

/* The value at text[pos], its node in *out. */
static int
parse_value(struct json *j, int depth, uint32_t *out)
{
	static const char *const words[] = { "null", "false", "true" };
	enum json_type	 type;

	skip_space(j);
	if (depth >= JSON_DEPTH)
		return fail(j, "nested too deep");
	type = type_of(j->text[j->pos]);
	if ((*out = new_node(j, type)) == 0)
		return -1;
	switch (type) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		j->pos++;
		return parse_list(j, *out, depth);
	case JSON_STRING:
		return parse_string(j, &j->node[*out].at);
	case JSON_NUMBER:
		return parse_number(j, *out);
	default:
		return scan_word(j, words[type]) ? 0 :
		    fail(j, "expected a value");
	}
}

/*
 * The next value of the input, after white space: its node, or 0 at the
 * input's end or when it is not JSON (then err says why, at err_at).
 */
uint32_t
json_parse_next(struct json *j)
{
	uint32_t root;

	skip_space(j);
	if (j->pos >= j->len)
		return 0;
	if (j->len > UINT32_MAX) {
		fail(j, "too large");
		return 0;
	}
	return parse_value(j, 0, &root) == -1 ? 0 : root;
}

/* The member key of object obj; 0 if there is none, or obj is no object. */
uint32_t
json_find(const struct json *j, uint32_t obj, const char *key)
{
	uint32_t n;

	if (obj == 0 || j->node[obj].type != JSON_OBJECT)
		return 0;
	for (n = j->node[obj].child; n != 0; n = j->node[n].next)
		if (strcmp(j->text + j->node[n].key, key) == 0)
			return n;
	return 0;
}

/* String n's bytes; NULL if n is not a string. */
const char *
json_text(const struct json *j, uint32_t n)
{
	if (n == 0 || j->node[n].type != JSON_STRING)
		return NULL;
	return j->text + j->node[n].at;
}

/* A whole number from 0 to 2^64-1, exactly; -1 for any other value. */
int
json_uint(const struct json *j, uint32_t n, uint64_t *v)
{
	const char		*s;
	char			*end;
	unsigned long long	 u;

	if (n == 0 || j->node[n].type != JSON_NUMBER)
		return -1;
	s = j->text + j->node[n].at;
	if (strspn(s, "0123456789") != j->node[n].len)
		return -1;
	errno = 0;
	u = strtoull(s, &end, 10);
	if (errno != 0 || end != s + j->node[n].len)
		return -1;
	*v = u;
	return 0;
}

/*
 * Any number, as a double, by strtod: the node is a JSON number, which
 * strtod reads whole.  Returns -1 if n is not a finite number.
 */
int
json_real(const struct json *j, uint32_t n, double *v)
{
	const char	*s;
	char		*end;

	if (n == 0 || j->node[n].type != JSON_NUMBER)
		return -1;
	s = j->text + j->node[n].at;
	*v = strtod(s, &end);
	if (end != s + j->node[n].len)
		return -1;
	return *v >= -DBL_MAX && *v <= DBL_MAX ? 0 : -1;
}

/*
 * A JSON string: quotes and backslashes escaped, and every byte outside
 * printable ASCII as \u00XX, so that the output is plain ASCII and valid
 * whatever the bytes were (a byte above 0x7f reads as Latin-1).
 */
void
json_put_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putc('"', fp);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(fp, "\\u%04x", (unsigned)*p);
		else
			putc(*p, fp);
	}
	putc('"', fp);
}

static void	put_value(FILE *, const struct json *, uint32_t);

/*
 * An array's elements, or an object's members but the one named skip,
 * each after a separator: sep before the first, ", " before the others.
 */
static void
put_list(FILE *fp, const struct json *j, uint32_t list, const char *skip,
    const char *sep)
{
	const char	*key;
	uint32_t	 n;

	for (n = j->node[list].child; n != 0; n = j->node[n].next) {
		key = j->text + j->node[n].key;
		if (j->node[list].type == JSON_OBJECT && skip != NULL &&
		    strcmp(key, skip) == 0)
			continue;
		fputs(sep, fp);
		if (j->node[list].type == JSON_OBJECT) {
			json_put_str(fp, key);
			fputs(": ", fp);
		}
		put_value(fp, j, n);
		sep = ", ";
	}
}

/*
 * A value as seqtest writes it: strings escaped again, numbers as their
 * text, which the grammar allowed only digits, signs, '.' and 'e' in.
 */
static void
put_value(FILE *fp, const struct json *j, uint32_t n)
{
	static const char *const words[] = { "null", "false", "true" };
	const struct json_node *v = &j->node[n];

	switch (v->type) {
	case JSON_NUMBER:
		fwrite(j->text + v->at, 1, v->len, fp);
		break;
	case JSON_STRING:
		json_put_str(fp, j->text + v->at);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		putc(v->type == JSON_ARRAY ? '[' : '{', fp);
		put_list(fp, j, n, NULL, "");
		putc(v->type == JSON_ARRAY ? ']' : '}', fp);
		break;
	default:
		fputs(words[v->type], fp);
	}
}

/*
 * Object obj's members, without its braces, but the one named skip;
 * sep comes before the first.
 */
void
json_put_members(FILE *fp, const struct json *j, uint32_t obj,
    const char *skip, const char *sep)
{
	put_list(fp, j, obj, skip, sep);
}

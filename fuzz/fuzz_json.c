/*
 * libFuzzer target for json.c: every byte of a file given to -m reaches
 * the reader.  It must stop within the input whatever the bytes, and an
 * object it takes, written out again, must read back as the same
 * object: written a second time, the same bytes.  A broken invariant
 * aborts, which libFuzzer reports as a crash with the input saved.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define REQUIRE(c)	do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Object obj written out as -m writes a flow; the caller frees it. */
static char *
write_object(const struct json *j, uint32_t obj, size_t *len)
{
	char	*buf = NULL;
	FILE	*fp;

	REQUIRE((fp = open_memstream(&buf, len)) != NULL);
	putc('{', fp);
	json_put_members(fp, j, obj, NULL, "");
	putc('}', fp);
	REQUIRE(fclose(fp) == 0);
	return buf;
}

/* Written out, read back and written again: the same bytes. */
static void
check_rewrite(const struct json *j, uint32_t obj)
{
	struct json	 again;
	char		*once, *twice;
	size_t		 len1, len2;
	uint32_t	 root;

	once = write_object(j, obj, &len1);
	REQUIRE((twice = malloc(len1 + 1)) != NULL);
	memcpy(twice, once, len1 + 1);
	json_init(&again, twice, len1);
	REQUIRE((root = json_parse_next(&again)) != 0);
	REQUIRE(json_parse_next(&again) == 0 && again.err == NULL);
	free(once);
	once = write_object(&again, root, &len2);
	json_free(&again);
	free(once);
	REQUIRE(len1 == len2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json	 j;
	char		*text;
	uint32_t	 root;
	uint64_t	 u;
	double		 d;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	json_init(&j, text, size);
	while ((root = json_parse_next(&j)) != 0) {
		REQUIRE(root < j.nnodes && j.pos <= j.len);
		(void)json_uint(&j, root, &u);
		(void)json_real(&j, root, &d);
		if (j.node[root].type == JSON_OBJECT)
			check_rewrite(&j, root);
	}
	REQUIRE(j.err == NULL || j.err_at <= j.len);
	json_free(&j);
	return 0;
}

/* tests/fuzz/fuzz_replay.c: libFuzzer entry point for the record-format line
 * parser. Each input line is parsed from an exact-size copy (so ASan sees any
 * read past len); whatever parses must format, and format back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay/format.h"

static struct replay_line first, second;
static char text[REPLAY_LINE_MAX + 1], again[REPLAY_LINE_MAX + 1];

static void check_line(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	int r, n;

	if (!copy)
		return;
	if (size)
		memcpy(copy, data, size);
	r = replay_parse_line(copy, size, &first);
	free(copy);
	if (r < 0 && !first.why)
		abort(); /* every error names its reason */
	if (r != 1)
		return;
	/* a parsed event is always representable, and its text is a fixed point */
	n = replay_format_event(&first.event, text, sizeof(text));
	if (n < 0)
		abort();
	if (replay_parse_line(text, (size_t)n, &second) != 1)
		abort();
	if (replay_format_event(&second.event, again, sizeof(again)) != n ||
	    memcmp(text, again, (size_t)n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t start = 0;

	/* the whole input as one line (NULs, newlines and all), then each line */
	check_line(data, size);
	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t len = nl ? (size_t)(nl - (data + start)) : size - start;

		check_line(data + start, len);
		start += len + 1;
	}
	return 0;
}

/* query/fcstore.c — see fcstore.h. */
#include "fcstore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fcs_note(struct fcs_changes *ch, char kind, const char *what)
{
	struct dbuf *b = &ch->lines;
	char head[2] = {kind, ' '};

	if (ch->all)
		return;
	if (ch->n >= FCS_CHANGES_MAX || !what || !*what || strchr(what, '\n')) {
		ch->all = 1;
		return;
	}
	dbuf_add(b, head, 2);
	dbuf_puts(b, what);
	dbuf_add(b, "\n", 1);
	if (b->err)
		ch->all = 1;
	ch->n++;
}

void fcs_changes_reset(struct fcs_changes *ch)
{
	dbuf_release(&ch->lines);
	memset(ch, 0, sizeof *ch);
}

void fcs_delta_text(struct dbuf *v, unsigned long long rev, const struct fcs_changes *ch)
{
	char head[sizeof FCS_DELTA_HEAD + 24];

	snprintf(head, sizeof head, "%s%llu\n", FCS_DELTA_HEAD, rev);
	dbuf_puts(v, head);
	if (ch->all)
		dbuf_puts(v, "all\n");
	else if (ch->lines.n)
		dbuf_add(v, dbuf_str(&ch->lines), ch->lines.n);
}

char *fcs_delta_body(char *v, unsigned long long rev)
{
	char head[sizeof FCS_DELTA_HEAD + 24];
	int hl = snprintf(head, sizeof head, "%s%llu\n", FCS_DELTA_HEAD, rev);

	if (!v || hl <= 0 || (size_t)hl >= sizeof head || strncmp(v, head, (size_t)hl) != 0)
		return NULL;
	return v + hl;
}

enum fcs_line fcs_delta_line(char **p, const char **id, uint32_t *docid)
{
	char *line = *p, *next, *end = NULL;
	unsigned long n;

	if (!*line)
		return FCS_END;
	next = strchr(line, '\n');
	if (!next) {
		*p = line + strlen(line);
		return FCS_BAD;
	}
	*next = '\0';
	*p = next + 1;
	if (line[0] == 'p' && line[1] == ' ' && line[2]) {
		*id = line + 2;
		return FCS_PUT;
	}
	if (line[0] == 'd' && line[1] == ' ') {
		if (line[2] < '0' || line[2] > '9')
			return FCS_BAD;
		errno = 0;
		n = strtoul(line + 2, &end, 10);
		if (errno || *end || n == 0 || n > UINT32_MAX)
			return FCS_BAD;
		*docid = (uint32_t)n;
		return FCS_DEL;
	}
	return FCS_OTHER;
}

size_t fcs_code_put(unsigned char *p, uint32_t code)
{
	size_t n = 0;

	do {
		unsigned char b = code & 0x7F;
		code >>= 7;
		p[n++] = (unsigned char)(b | (code ? 0x80 : 0));
	} while (code);
	return n;
}

int fcs_code_get(const unsigned char *blob, size_t len, size_t *pos, uint32_t *code)
{
	uint32_t c = 0;

	for (unsigned i = 0; i < FCS_CODE_BYTES && *pos < len; i++) {
		unsigned char b = blob[(*pos)++];
		if (i == FCS_CODE_BYTES - 1 && (b & 0xF0))
			return 0; /* more than 32 bits */
		c |= (uint32_t)(b & 0x7F) << (7 * i);
		if (!(b & 0x80)) {
			*code = c;
			return 1;
		}
	}
	return 0;
}

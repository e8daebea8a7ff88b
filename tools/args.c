/* tools/args.c: the routewatch command line: options may come before or after
 * the command; each option is checked against the commands it applies to,
 * and every failure is one clear line on stderr. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"

enum {
	ON_SHOW = 1 << CMD_SHOW,
	ON_GET = 1 << CMD_GET,
	ON_MONITOR = 1 << CMD_MONITOR,
	ON_WATCH = 1 << CMD_WATCH,
	ON_RECORD = 1 << CMD_RECORD,
	ON_ALL = ON_SHOW | ON_GET | ON_MONITOR | ON_WATCH | ON_RECORD,
};

enum option_id {
	OPT_JSON,
	OPT_V4,
	OPT_V6,
	OPT_TABLE,
	OPT_SHOW_ON_EXIT,
	OPT_RCVBUF,
	OPT_PATH_CHANGE,
	OPT_REPLAY,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option {
	enum option_id id;
	const char *long_name; /* with the dashes */
	const char *short_name;
	bool takes_value;
	unsigned commands; /* ON_* where it is allowed */
} options[] = {
	{ OPT_JSON, "--json", "-j", false, ON_SHOW | ON_GET | ON_MONITOR | ON_WATCH },
	{ OPT_V4, "--ipv4", "-4", false, ON_SHOW },
	{ OPT_V6, "--ipv6", "-6", false, ON_SHOW },
	{ OPT_TABLE, "--table", "-t", true, ON_SHOW },
	{ OPT_SHOW_ON_EXIT, "--show-on-exit", NULL, false, ON_MONITOR },
	{ OPT_RCVBUF, "--rcvbuf", NULL, true, ON_MONITOR | ON_WATCH | ON_RECORD },
	{ OPT_PATH_CHANGE, "--path-change", NULL, false, ON_WATCH },
	{ OPT_REPLAY, "--replay", NULL, true, ON_ALL },
	{ OPT_HELP, "--help", "-h", false, ON_ALL },
	{ OPT_VERSION, "--version", "-V", false, ON_ALL },
};

static const char *const command_names[] = {
	[CMD_NONE] = "",	   [CMD_SHOW] = "show",	  [CMD_GET] = "get",
	[CMD_MONITOR] = "monitor", [CMD_WATCH] = "watch", [CMD_RECORD] = "record",
};

const char *command_name(enum command c)
{
	return command_names[c];
}

void usage(FILE *f)
{
	fputs("Usage: routewatch [--replay FILE] COMMAND [OPTIONS] [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  show [--json] [-4|-6] [--table ID|all]   the routes, as after the initial dump\n"
	      "  get [--json] ADDR...                     the route chosen for each address\n"
	      "  monitor [--json] [--show-on-exit] [--rcvbuf BYTES]\n"
	      "                                           one line per change, until a signal\n"
	      "  watch [--json] [--path-change] [--rcvbuf BYTES] PEER[,LOCAL]...\n"
	      "                                           watch connections, report invalidations\n"
	      "  record [--rcvbuf BYTES] FILE             write the event stream to FILE (- = "
	      "stdout)\n"
	      "\n"
	      "Options:\n"
	      "  --replay FILE   read a recording made by 'record' instead of the kernel\n"
	      "  -j, --json      one JSON object per line (field names of 'ip -j route');\n"
	      "                  not with record, which writes its own format\n"
	      "  -4, -6          only IPv4 or IPv6 routes\n"
	      "  -t, --table ID  a table number, main, local, default, or all (default: main;\n"
	      "                  all with the BSD routing socket)\n"
	      "  --show-on-exit  before exiting (SIGINT/SIGTERM, or a replay's end), print\n"
	      "                  the routes kept from the events\n"
	      "  --path-change   also report a watch whose best path changed\n"
	      "  --rcvbuf BYTES  kernel socket receive buffer (default: 8 MiB)\n"
	      "  -h, --help      this text\n"
	      "  -V, --version   the version and the compiled-in backend\n"
	      "\n"
	      "Exit status: 0 on success, 1 on a runtime error, 2 on bad input.\n"
	      "See routewatch(1).\n",
	      f);
}

static const struct option *find_option(const char *word, const char **ret_value)
{
	size_t i;

	*ret_value = NULL;
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		const struct option *o = &options[i];
		size_t n = strlen(o->long_name);

		if (strcmp(word, o->long_name) == 0 ||
		    (o->short_name != NULL && strcmp(word, o->short_name) == 0))
			return o;
		/* --table=main as well as --table main */
		if (strncmp(word, o->long_name, n) == 0 && word[n] == '=') {
			*ret_value = word + n + 1;
			return o;
		}
	}
	return NULL;
}

/* A number in base 10 or 16, digits only (no sign, no space). */
static int parse_u32_base(const char *s, int base, unsigned long max, unsigned long *ret)
{
	unsigned long v;

	/* digits only: strtoul() would also take a sign, spaces, or a
	 * second "0x" after the one parse_table() took */
	if (!s[0] || s[strspn(s, base == 16 ? "0123456789abcdefABCDEF" : "0123456789")] != '\0')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, NULL, base);
	if (errno != 0 || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_u32(const char *s, unsigned long max, unsigned long *ret)
{
	return parse_u32_base(s, 10, max, ret);
}

static int parse_table(const char *s, struct args *a)
{
	unsigned long v;

	a->table_given = true;
	a->all_tables = false;
	if (strcmp(s, "all") == 0) {
		a->all_tables = true;
		return 0;
	}
	if (strcmp(s, "main") == 0)
		v = 254;
	else if (strcmp(s, "local") == 0)
		v = 255;
	else if (strcmp(s, "default") == 0)
		v = 253;
	else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { /* hex, as ip(8) takes it */
		if (parse_u32_base(s + 2, 16, UINT32_MAX, &v) < 0)
			return -EINVAL;
	} else if ((s[0] == '0' && s[1]) || parse_u32(s, UINT32_MAX, &v) < 0) {
		/* a leading zero is octal to ip(8): refused, not read otherwise */
		return -EINVAL;
	}
	a->table = (uint32_t)v;
	return 0;
}

static int parse_command(const char *s, enum command *ret)
{
	int c;

	for (c = CMD_SHOW; c <= CMD_RECORD; c++) {
		if (strcmp(s, command_names[c]) == 0) {
			*ret = (enum command)c;
			return 0;
		}
	}
	return -EINVAL;
}

static int operand_count_ok(const struct args *a, FILE *err)
{
	const char *name = command_name(a->command);

	switch (a->command) {
	case CMD_SHOW:
	case CMD_MONITOR:
		if (a->n_operands > 0) {
			fprintf(err, "routewatch: '%s' takes no arguments: '%s'\n", name,
				a->operands[0]);
			return -EINVAL;
		}
		return 0;
	case CMD_GET:
		if (a->n_operands == 0) {
			fputs("routewatch: 'get' needs at least one address\n", err);
			return -EINVAL;
		}
		return 0;
	case CMD_WATCH:
		if (a->n_operands == 0) {
			fputs("routewatch: 'watch' needs at least one PEER[,LOCAL]\n", err);
			return -EINVAL;
		}
		return 0;
	case CMD_RECORD:
		if (a->n_operands != 1) {
			fputs("routewatch: 'record' needs exactly one FILE\n", err);
			return -EINVAL;
		}
		return 0;
	case CMD_NONE:
		break;
	}
	fputs("routewatch: missing command (show, get, monitor, watch or record); "
	      "try 'routewatch --help'\n",
	      err);
	return -EINVAL;
}

static int apply_option(const struct option *o, const char *value, struct args *a, FILE *err)
{
	unsigned long v;

	switch (o->id) {
	case OPT_JSON:
		a->json = true;
		break;
	case OPT_V4:
	case OPT_V6:
		/* the same one twice is still one */
		if (a->family != AF_UNSPEC && a->family != (o->id == OPT_V4 ? AF_INET : AF_INET6)) {
			fputs("routewatch: give at most one of -4 and -6\n", err);
			return -EINVAL;
		}
		a->family = o->id == OPT_V4 ? AF_INET : AF_INET6;
		break;
	case OPT_TABLE:
		if (parse_table(value, a) < 0) {
			fprintf(err,
				"routewatch: not a table (a number, main, local, default or all): "
				"'%s'\n",
				value);
			return -EINVAL;
		}
		break;
	case OPT_SHOW_ON_EXIT:
		a->show_on_exit = true;
		break;
	case OPT_RCVBUF:
		if (parse_u32(value, INT_MAX, &v) < 0 || v == 0) {
			fprintf(err, "routewatch: not a buffer size in bytes: '%s'\n", value);
			return -EINVAL;
		}
		a->rcvbuf = (unsigned)v;
		break;
	case OPT_PATH_CHANGE:
		a->path_change = true;
		break;
	case OPT_REPLAY:
		if (value[0] == '\0') {
			fputs("routewatch: --replay needs a file name\n", err);
			return -EINVAL;
		}
		if (a->replay) {
			fputs("routewatch: give --replay once\n", err);
			return -EINVAL;
		}
		a->replay = value;
		break;
	case OPT_HELP:
		a->help = true;
		break;
	case OPT_VERSION:
		a->version = true;
		break;
	}
	return 0;
}

int args_parse(int argc, char **argv, struct args *ret, FILE *err)
{
	unsigned seen = 0; /* bit i: options[i] was given */
	size_t i;
	bool options_done = false;
	bool have_command = false;
	int k, r;

	memset(ret, 0, sizeof(*ret));
	ret->family = AF_UNSPEC;
	ret->table = 254;
	ret->operands = calloc((size_t)(argc > 0 ? argc : 1), sizeof(char *));
	if (ret->operands == NULL)
		return -ENOMEM;

	for (k = 1; k < argc; k++) {
		const char *word = argv[k];
		const char *value;
		const struct option *o;

		if (!options_done && strcmp(word, "--") == 0) {
			options_done = true;
			continue;
		}
		/* A lone "-" is an operand: standard output for record. */
		if (options_done || word[0] != '-' || word[1] == '\0') {
			if (!have_command) {
				if (parse_command(word, &ret->command) < 0) {
					fprintf(err,
						"routewatch: unknown command '%s' (show, get, "
						"monitor, watch or record)\n",
						word);
					return -EINVAL;
				}
				have_command = true;
			} else {
				ret->operands[ret->n_operands++] = argv[k];
			}
			continue;
		}
		o = find_option(word, &value);
		if (o == NULL) {
			fprintf(err, "routewatch: unknown option '%s'; try 'routewatch --help'\n",
				word);
			return -EINVAL;
		}
		if (!o->takes_value && value != NULL) {
			fprintf(err, "routewatch: option '%s' takes no value\n", o->long_name);
			return -EINVAL;
		}
		if (o->takes_value && value == NULL) {
			if (k + 1 >= argc) {
				fprintf(err, "routewatch: option '%s' needs a value\n",
					o->long_name);
				return -EINVAL;
			}
			value = argv[++k];
		}
		r = apply_option(o, value, ret, err);
		if (r < 0)
			return r;
		seen |= 1u << (o - options);
	}

	/* --help and --version win over anything else on the line, as users
	 * expect when they are unsure of the rest. */
	if (ret->help || ret->version)
		return 0;
	r = operand_count_ok(ret, err);
	if (r < 0)
		return r;
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if ((seen & (1u << i)) && !(options[i].commands & (1u << ret->command))) {
			fprintf(err, "routewatch: option '%s' does not apply to '%s'\n",
				options[i].long_name, command_name(ret->command));
			return -EINVAL;
		}
		/* a recording has no kernel socket to size */
		if ((seen & (1u << i)) && options[i].id == OPT_RCVBUF && ret->replay) {
			fputs("routewatch: --rcvbuf does not apply to --replay\n", err);
			return -EINVAL;
		}
	}
	return 0;
}

void args_free(struct args *a)
{
	free(a->operands);
	a->operands = NULL;
	a->n_operands = 0;
}

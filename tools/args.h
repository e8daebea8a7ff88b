/* tools/args.h: the routewatch tool's command line, parsed and checked before
 * anything is opened, so that bad input never touches the kernel. */
#ifndef RTW_TOOL_ARGS_H
#define RTW_TOOL_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum command {
	CMD_NONE,
	CMD_SHOW,
	CMD_GET,
	CMD_MONITOR,
	CMD_WATCH,
	CMD_RECORD,
};

struct args {
	enum command command;
	bool help;
	bool version;
	bool json;
	bool show_on_exit;
	bool path_change;
	int family; /* AF_INET or AF_INET6 with -4/-6, else AF_UNSPEC */
	bool table_given;
	bool all_tables;
	uint32_t table;
	unsigned rcvbuf; /* 0: the library's default */
	const char *replay;
	char **operands; /* the arguments after the command, owned */
	int n_operands;
};

/* Exit status for bad input, as most Unix tools use it. */
#define EXIT_USAGE 2

/* Parses argv into ret. On bad input writes one line to err and returns
 * -EINVAL; -ENOMEM when the operand list cannot be allocated. */
int args_parse(int argc, char **argv, struct args *ret, FILE *err);
void args_free(struct args *a);

const char *command_name(enum command c);
void usage(FILE *f);

#endif

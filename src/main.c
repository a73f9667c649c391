/*
 * main.c: start-up only.  Read the settings, start the server, write the
 * URL file, wait for SIGTERM or SIGINT, stop.
 *
 * Signals are blocked before any thread starts, so every thread inherits
 * the mask and only sigwait() here sees them.  After the first, the
 * default action is restored: a second signal ends the process at once.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>

#include "imaged/cmd.h"
#include "imaged/config.h"
#include "imaged/durable.h"
#include "imaged/imaged.h"
#include "imaged/log.h"

#define SHUTDOWN_GRACE_MS	10000

extern char **environ;

/* Whoever waits for the daemon reads the URL file: whole, world-readable. */
static const struct durable_opts url_file_opts = { .mode = 0644 };

static int
command(const struct config *cfg, int argc, char *argv[])
{
	if (strcmp(argv[0], "token") == 0)
		return cmd_token(cfg, argc, argv);
	if (strcmp(argv[0], "check") == 0)
		return cmd_check(cfg, argc, argv);
	fprintf(stderr, "imaged: unknown command \"%s\" (commands: check, "
	    "token)\n", argv[0]);
	return 2;
}

int
main(int argc, char *argv[])
{
	static struct config	 cfg;
	struct imaged		*d;
	sigset_t		 sigs;
	char			 msg[512];
	int			 first, sig;

	switch (config_load(&cfg, argc, argv, environ, &first, stdout, msg,
	    sizeof(msg))) {
	case CONFIG_EXIT:
		return EXIT_SUCCESS;
	case CONFIG_ERROR:
		fprintf(stderr, "imaged: %s\n", msg);
		return EXIT_FAILURE;
	case CONFIG_OK:
		break;
	}
	log_init(cfg.verbose);
	if (first < argc)
		return command(&cfg, argc - first, argv + first);

	signal(SIGPIPE, SIG_IGN);
	/* Past a file size limit, write(2) fails with EFBIG (a 507) instead. */
	signal(SIGXFSZ, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (imaged_start(&cfg, &d) != IMG_OK) {
		log_warnx("not started");
		return EXIT_FAILURE;
	}
	log_info("listening on %s, data in %s", imaged_url(d), d->data_dir);
	if (cfg.url_file[0] != '\0' &&
	    durable_write(cfg.url_file, imaged_url(d), strlen(imaged_url(d)),
	    &url_file_opts, NULL, 0) != IMG_OK) {
		log_warn("%s", cfg.url_file);
		imaged_stop(d, 0);
		return EXIT_FAILURE;
	}

	while (sigwait(&sigs, &sig) != 0)
		;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	log_info("stopping (signal %d)", sig);
	imaged_stop(d, SHUTDOWN_GRACE_MS);
	return EXIT_SUCCESS;
}

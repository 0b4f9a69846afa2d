/*
 * forkfloor N: the floor of what a process costs, for bench/vm.  Forks N
 * children that only wait, says "ready" on stdout once all are there,
 * and ends them all when it gets SIGTERM.  Built like seqtest-static
 * (static, musl), so that the difference between the two is what
 * seqtest's workers add to a bare fork.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	sigset_t	 set;
	long		 i, n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	int		 sig;

	if (n < 1 || n > 100000) {
		fprintf(stderr, "usage: forkfloor N (1 to 100000)\n");
		return 2;
	}
	/* A group of its own, which it ends at the end. */
	if (setpgid(0, 0) == -1)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return 1;
	for (i = 0; i < n; i++) {
		switch (fork()) {
		case -1:
			perror("forkfloor: fork");
			kill(0, SIGKILL);
			return 1;
		case 0:
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			for (;;)
				pause();
		}
	}
	if (printf("ready\n") < 0 || fflush(stdout) == EOF)
		return 1;
	if (sigwait(&set, &sig) != 0)
		return 1;
	signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * refguard ADDR...: the reference reactive guard of tests/bench/exposure — the least any reactive guard must
 * do. It listens to kernel uevents (netlink, group 1: no udevd in between) and, on a `bind` of a vfio driver
 * to one of the given addresses, writes the address to that driver's unbind. Nothing else: no pin, no
 * classification, no journal. Its window is the limit for a guard that only reacts.
 */
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
        char buf[8192];
        int fd, size = 4 << 20;

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                perror("refguard: netlink");
                return 1;
        }
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
        printf("refguard: listening\n");
        fflush(stdout);
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
                const char *action = NULL, *devpath = NULL, *driver = NULL;

                if (n <= 0)
                        continue;
                buf[n] = '\0';
                /* "ACTION@DEVPATH\0KEY=VALUE\0..." */
                for (char *p = buf; p < buf + n; p += strlen(p) + 1) {
                        if (strncmp(p, "ACTION=", 7) == 0)
                                action = p + 7;
                        else if (strncmp(p, "DEVPATH=", 8) == 0)
                                devpath = p + 8;
                        else if (strncmp(p, "DRIVER=", 7) == 0)
                                driver = p + 7;
                }
                if (!action || !devpath || !driver || strcmp(action, "bind") != 0 || !strstr(driver, "vfio"))
                        continue;
                const char *addr = strrchr(devpath, '/');
                if (!addr)
                        continue;
                addr++;
                for (int i = 1; i < argc; i++) {
                        char path[256];
                        int wfd;

                        if (strcmp(addr, argv[i]) != 0)
                                continue;
                        snprintf(path, sizeof path, "/sys/bus/pci/drivers/%s/unbind", driver);
                        wfd = open(path, O_WRONLY | O_CLOEXEC);
                        if (wfd >= 0) {
                                (void) !write(wfd, addr, strlen(addr));
                                close(wfd);
                        }
                }
        }
}

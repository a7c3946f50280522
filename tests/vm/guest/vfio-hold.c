/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfio-hold ADDRESS: open a PCI function through vfio the way a VMM does (container, type1 IOMMU, group,
 * device fd) and hold it until killed. While the device fd is open an unbind of the function blocks in the
 * kernel: the situation the guard must survive. Prints "holding ADDRESS pid PID" once it holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        char link[PATH_MAX], target[PATH_MAX], group_path[PATH_MAX];
        int container, group, device;
        ssize_t n;

        if (argc != 2) {
                fprintf(stderr, "usage: vfio-hold ADDRESS\n");
                return 2;
        }
        snprintf(link, sizeof link, "/sys/bus/pci/devices/%s/iommu_group", argv[1]);
        n = readlink(link, target, sizeof target - 1);
        if (n < 0) {
                fprintf(stderr, "vfio-hold: %s: %m\n", link);
                return 1;
        }
        target[n] = '\0';
        snprintf(group_path, sizeof group_path, "/dev/vfio/%s", basename(target));

        container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
        group = open(group_path, O_RDWR | O_CLOEXEC);
        if (container < 0 || group < 0) {
                fprintf(stderr, "vfio-hold: open %s: %m\n", container < 0 ? "/dev/vfio/vfio" : group_path);
                return 1;
        }
        if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0 ||
            ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0) {
                fprintf(stderr, "vfio-hold: container: %m\n");
                return 1;
        }
        device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[1]);
        if (device < 0) {
                fprintf(stderr, "vfio-hold: device fd: %m\n");
                return 1;
        }
        printf("holding %s pid %d\n", argv[1], (int) getpid());
        fflush(stdout);
        for (;;)
                pause();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */

/* Open a vfio group the way a VMM (QEMU's vfio_get_group/vfio_get_device) does: container, group,
 * viability, container attach, type1 IOMMU, device descriptor. Prints the step that failed and its errno
 * name ("open /dev/vfio/3: EPERM"), or "device fd ok".
 * Usage: vfio-open /dev/vfio/N DDDD:BB:DD.F */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

static int fail(const char *step)
{
        int e = errno;

        printf("%s: %s\n", step, strerrorname_np(e) ?: strerror(e));
        return 1;
}

int main(int argc, char *argv[])
{
        struct vfio_group_status status = { .argsz = sizeof(status) };
        int container, group, device;
        char step[256];

        if (argc != 3) {
                fprintf(stderr, "usage: %s /dev/vfio/N PCI-ADDRESS\n", argv[0]);
                return 2;
        }

        container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
        if (container < 0)
                return fail("open /dev/vfio/vfio");
        if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
                return fail("VFIO_GET_API_VERSION");
        if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
                return fail("VFIO_CHECK_EXTENSION");

        group = open(argv[1], O_RDWR | O_CLOEXEC);
        if (group < 0) {
                snprintf(step, sizeof(step), "open %s", argv[1]);
                return fail(step);
        }
        if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) < 0)
                return fail("VFIO_GROUP_GET_STATUS");
        if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
                errno = EBUSY;
                return fail("group not viable");
        }
        if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
                return fail("VFIO_GROUP_SET_CONTAINER");
        if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
                return fail("VFIO_SET_IOMMU");
        device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[2]);
        if (device < 0)
                return fail("VFIO_GROUP_GET_DEVICE_FD");
        printf("device fd ok\n");
        return 0;
}

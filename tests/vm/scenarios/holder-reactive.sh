# SPDX-License-Identifier: GPL-2.0-or-later
# The holder checks with kernel enforcement off (KernelEnforcement=no).
# vm-body: holder
# vm-devices: standard
# vm-timeout: 400
# vm-write: /etc/vfio-guard.conf [Guard]\nAllow=0000:00:03.0\nKernelEnforcement=no

# SPDX-License-Identifier: GPL-2.0-or-later
# The bindpaths checks with kernel enforcement off (KernelEnforcement=no): the pin and the reactive unbind
# alone must refuse every bind path, as on a kernel without the BPF LSM.
# vm-body: bindpaths
# vm-devices: standard
# vm-timeout: 900
# vm-write: /etc/vfio-guard.conf [Guard]\nKernelEnforcement=no


ù
overlayoverlay"	index=off"Tworkdir=/tmp/cadvrt/ctd/root/io.containerd.snapshotter.v1.overlayfs/snapshots/2/work"Supperdir=/tmp/cadvrt/ctd/root/io.containerd.snapshotter.v1.overlayfs/snapshots/2/fs"Slowerdir=/tmp/cadvrt/ctd/root/io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs
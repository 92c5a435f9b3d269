
ªrt-ctd1W *-/run/containerd/fifo/1529827891/rt-ctd1-stdin2./run/containerd/fifo/1529827891/rt-ctd1-stdout:./run/containerd/fifo/1529827891/rt-ctd1-stderrR€’¸Ã˜şÿÿÿ
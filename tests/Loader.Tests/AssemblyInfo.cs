// Every test here changes or counts global kernel state (loaded programs, open fds, mounts, the syscall
// observer), so none may run alongside another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

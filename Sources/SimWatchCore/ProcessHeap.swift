#if canImport(Glibc)
import Glibc
#endif

/// The process's heap, as far as the allocator lets it be steered.
public enum ProcessHeap {
    /// Gives the pages of freed heap memory back to the kernel.
    ///
    /// glibc keeps what is freed for reuse, in one arena per thread that allocated it. A
    /// save of 100,000 records frees megabytes of sort keys and buffers on the I/O thread,
    /// which the polling thread's arena never reuses: after each cycle of a 100,000-SIM
    /// fleet `run` held 6.5 MB more than it used. `malloc_trim` returns every whole free
    /// page: milliseconds, off the concurrency pool, after a load or a save.
    public static func returnFreePages() {
        #if canImport(Glibc)
        _ = mallocTrim?(0)
        #endif
    }

    #if canImport(Glibc)
    /// The Glibc module leaves `malloc.h` out; the symbol is glibc's all the same.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = dlsym(nil, "malloc_trim").map {
        unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self)
    }
    #endif
}

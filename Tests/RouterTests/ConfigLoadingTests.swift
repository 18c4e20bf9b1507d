import Testing
@testable import Router
#if canImport(Glibc)
import Glibc
#endif

/// Reading a config directory from disk.
struct ConfigLoadingTests {
    /// A route file linked to a file that is not there fails the load, as an unreadable one does:
    /// skipped, its routes would be gone without a word (a mount not up yet at boot).
    @Test func aRouteFileLinkedToNothingFailsTheLoad() throws {
        let dir = temporaryDirectory()
        #expect(FileSystem.write(dir + "/a.yaml", Array("sources:\n  in: { adapter: none, path: /in }\n".utf8)))
        #expect(try ConfigLoading.files(in: dir).count == 1)
        #expect(symlink(dir + "/mnt/orders.yaml", dir + "/orders.yaml") == 0)
        let failure = #expect(throws: ConfigLoading.Failure.self) { try ConfigLoading.files(in: dir) }
        #expect(failure?.message.contains("'\(dir)/orders.yaml'") == true, "\(failure?.message ?? "")")
        #expect(failure?.message.contains("'\(dir)/mnt/orders.yaml', which does not exist") == true, "the missing target is named")
        // A directory with a route file's name is not a file at all: still passed over.
        unlink(dir + "/orders.yaml")
        #expect(mkdir(dir + "/old.yaml", 0o700) == 0)
        #expect(try ConfigLoading.files(in: dir).count == 1)
    }
}

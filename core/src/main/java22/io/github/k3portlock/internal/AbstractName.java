package io.github.k3portlock.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;

/**
 * The native calls behind the Python original's Linux name: {@code socket(AF_UNIX, SOCK_STREAM)},
 * {@code bind} to the abstract address, {@code close}, through the Foreign Function &amp; Memory
 * API (the Java 22 version of this class, in the jar's {@code META-INF/versions/22}). The
 * {@code errno} of a failed call is captured by the linker ({@code captureCallState}), never read
 * later. Nothing native is linked (the restricted {@code downcallHandle}) unless native access
 * is enabled for this class's module, so the JDK's restricted-method warning never shows.
 * Stateless; thread-safe.
 */
final class AbstractName {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    /** As Python's sockets: not inherited by exec'ed children. */
    private static final int SOCK_CLOEXEC = 0x80000;
    /** {@code sizeof(sa_family_t)}: where {@code sun_path} starts in {@code sockaddr_un}. */
    private static final int PATH_OFFSET = 2;
    private static final int SUN_PATH = 108;
    /** {@code sun_family}: {@code AF_UNIX} as a {@code sa_family_t}, in the native byte order. */
    private static final byte[] FAMILY = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
            ? new byte[] {AF_UNIX, 0} : new byte[] {0, AF_UNIX};

    private AbstractName() {
    }

    /**
     * Why this JVM cannot bind the name, with the fix, or {@code null} when it can.
     *
     * @return the reason, or {@code null}
     */
    static String unavailableReason() {
        if (!NameBinder.isLinux()) {
            return NameBinder.notLinux();
        }
        if (!AbstractName.class.getModule().isNativeAccessEnabled()) {
            return "native access is not enabled for "
                    + (AbstractName.class.getModule().isNamed()
                            ? "module " + AbstractName.class.getModule().getName()
                            : "the class path (the unnamed module)")
                    + "; run java with " + NameBinder.flag();
        }
        return null;
    }

    /**
     * Opens an {@code AF_UNIX} stream socket and binds it to the abstract address whose
     * {@code sun_path} is exactly {@code sunPath} (no trailing NUL: the length says where it
     * ends), without listening, as the original does.
     *
     * @param sunPath the bytes of {@code sun_path}, the leading NUL included
     * @return the bound descriptor, or {@code -1} when the name is in use (EADDRINUSE)
     * @throws ErrnoException when {@code socket} or {@code bind} fails otherwise; nothing stays
     *     open
     */
    static int bind(byte[] sunPath) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            // The address is built before the socket exists, so that nothing between socket()
            // and bind() can throw (an allocation failure) with the descriptor open.
            // Longer than sockaddr_un only in tests: the kernel then says EINVAL itself.
            // Written as bytes, sun_family in the native byte order: array copies need no
            // method handles (a typed set or get would spin some on first use).
            MemorySegment address =
                    arena.allocate(PATH_OFFSET + Math.max(SUN_PATH, sunPath.length));
            MemorySegment.copy(FAMILY, 0, address, JAVA_BYTE, 0, PATH_OFFSET);
            MemorySegment.copy(sunPath, 0, address, JAVA_BYTE, PATH_OFFSET, sunPath.length);
            int fd = (int) Native.SOCKET.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new ErrnoException("socket(AF_UNIX, SOCK_STREAM)", errno(state));
            }
            int r = (int) Native.BIND.invokeExact(state, fd, address,
                    PATH_OFFSET + sunPath.length);
            if (r == 0) {
                return fd;
            }
            int errno = errno(state);
            int ignored = (int) Native.CLOSE.invokeExact(state, fd); // nothing to report
            if (errno == ErrnoException.EADDRINUSE) {
                return -1;
            }
            throw new ErrnoException("bind", errno);
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("the downcalls throw nothing checked", t);
        }
    }

    /**
     * Closes a descriptor from {@link #bind}. On Linux the descriptor is released even when
     * {@code close} reports an error; it must not be closed again.
     *
     * @param fd the descriptor
     * @throws ErrnoException when {@code close} reports an error
     */
    static void close(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            if ((int) Native.CLOSE.invokeExact(state, fd) != 0) {
                throw new ErrnoException("close", errno(state));
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("the downcalls throw nothing checked", t);
        }
    }

    private static int errno(MemorySegment state) {
        int[] errno = new int[1];
        MemorySegment.copy(state, JAVA_INT, Native.ERRNO, errno, 0, 1);
        return errno[0];
    }

    /** The linked calls: initialised on first use, after the native-access check. */
    private static final class Native {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final SymbolLookup LIBC = LINKER.defaultLookup();
        private static final Linker.Option ERRNO_CAPTURE = Linker.Option.captureCallState("errno");
        static final StructLayout STATE = Linker.Option.captureStateLayout();
        /** Where {@code errno} is in {@link #STATE}. */
        static final long ERRNO =
                STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle SOCKET = link("socket",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle BIND = link("bind",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

        private Native() {
        }

        @SuppressWarnings("restricted") // called only once native access is known enabled
        private static MethodHandle link(String name, FunctionDescriptor descriptor) {
            MemorySegment symbol = LIBC.find(name).orElseThrow(
                    () -> new UnsatisfiedLinkError("no " + name + " in the C library"));
            return LINKER.downcallHandle(symbol, descriptor, ERRNO_CAPTURE);
        }
    }
}

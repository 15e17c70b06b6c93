/* SPDX-License-Identifier: MIT */
/* elf_check.c -- what the loader checks before the dynamic linker sees a file: an ELF
 * shared object of this machine's class, byte order and architecture whose program headers
 * and loadable segments lie inside the file. glibc maps segments without comparing them to
 * the file's size, so a truncated plugin is a SIGBUS in dlopen; and for a foreign machine
 * it says "No such file or directory". Only the header and the program headers are read. */
#define _XOPEN_SOURCE 700 /* pread */

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "loader_impl.h"

#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Ehdr elf_ehdr_t;
typedef Elf64_Phdr elf_phdr_t;
#define ELF_HOST_CLASS ELFCLASS64
#else
typedef Elf32_Ehdr elf_ehdr_t;
typedef Elf32_Phdr elf_phdr_t;
#define ELF_HOST_CLASS ELFCLASS32
#endif

/* This machine's e_machine; 0 where unknown (then any machine passes to the linker). */
#if defined(__x86_64__)
#define ELF_HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define ELF_HOST_MACHINE EM_AARCH64
#elif defined(__i386__)
#define ELF_HOST_MACHINE EM_386
#elif defined(__arm__)
#define ELF_HOST_MACHINE EM_ARM
#elif defined(__riscv)
#define ELF_HOST_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define ELF_HOST_MACHINE EM_PPC64
#elif defined(__s390x__)
#define ELF_HOST_MACHINE EM_S390
#else
#define ELF_HOST_MACHINE 0
#endif

/* Program headers read at most: real plugins have about ten. */
#define ELF_MAX_PHDRS 256

static const char *elf_machine_name(unsigned m)
{
    switch (m) {
    case EM_X86_64:
        return "x86-64";
    case EM_AARCH64:
        return "AArch64";
    case EM_386:
        return "i386";
    case EM_ARM:
        return "ARM";
    case EM_RISCV:
        return "RISC-V";
    case EM_PPC64:
        return "PowerPC64";
    case EM_PPC:
        return "PowerPC";
    case EM_S390:
        return "s390";
    case EM_MIPS:
        return "MIPS";
    }
    return NULL;
}

static int elf_refuse(dq_error_t *err, const char *path, const char *why)
{
    return dq_error_set(err, DQ_ELOAD, path, "cannot open plugin '%s': %s", path, why);
}

/* Reads exactly len bytes at off; 0 on success. */
static int elf_pread(int fd, void *buf, size_t len, uint64_t off)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int elf_check_header(const elf_ehdr_t *eh, uint64_t size, const char *path, dq_error_t *err)
{
    char why[192];
    const unsigned char *id = eh->e_ident;
    if (id[EI_CLASS] != ELF_HOST_CLASS) {
        snprintf(why, sizeof why, "a %s ELF file; this host loads %d-bit plugins",
                 id[EI_CLASS] == ELFCLASS32   ? "32-bit"
                 : id[EI_CLASS] == ELFCLASS64 ? "64-bit"
                                              : "unknown-class",
                 ELF_HOST_CLASS == ELFCLASS64 ? 64 : 32);
        return elf_refuse(err, path, why);
    }
    const uint16_t probe = 1;
    const int little = *(const unsigned char *)&probe == 1;
    if (id[EI_DATA] != (little ? ELFDATA2LSB : ELFDATA2MSB))
        return elf_refuse(err, path, "an ELF file of the other byte order than this host");
    if (eh->e_type != ET_DYN) {
        snprintf(why, sizeof why, "not a shared object (ELF type %u)", (unsigned)eh->e_type);
        return elf_refuse(err, path, why);
    }
    if (ELF_HOST_MACHINE != 0 && eh->e_machine != ELF_HOST_MACHINE) {
        const char *name = elf_machine_name(eh->e_machine);
        if (name)
            snprintf(why, sizeof why, "an ELF file for %s (machine %u); this host is %s", name,
                     (unsigned)eh->e_machine, elf_machine_name(ELF_HOST_MACHINE));
        else
            snprintf(why, sizeof why, "an ELF file for machine %u; this host is %s",
                     (unsigned)eh->e_machine, elf_machine_name(ELF_HOST_MACHINE));
        return elf_refuse(err, path, why);
    }
    if (eh->e_phentsize != sizeof(elf_phdr_t) || eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS) {
        snprintf(why, sizeof why, "malformed ELF file (%u program headers of %u bytes)",
                 (unsigned)eh->e_phnum, (unsigned)eh->e_phentsize);
        return elf_refuse(err, path, why);
    }
    uint64_t end = (uint64_t)eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(elf_phdr_t);
    if (eh->e_phoff > size || end > size) {
        snprintf(why, sizeof why,
                 "truncated ELF file: its program headers end at byte %llu, the file has %llu",
                 (unsigned long long)end, (unsigned long long)size);
        return elf_refuse(err, path, why);
    }
    return DQ_OK;
}

/* Every loadable segment's file bytes must lie inside the file. */
static int elf_check_segments(int fd, const elf_ehdr_t *eh, uint64_t size, const char *path,
                              dq_error_t *err)
{
    elf_phdr_t ph[ELF_MAX_PHDRS];
    if (elf_pread(fd, ph, (size_t)eh->e_phnum * sizeof *ph, eh->e_phoff) != 0)
        return elf_refuse(err, path, "cannot read its program headers");
    for (unsigned i = 0; i < eh->e_phnum; ++i) {
        if (ph[i].p_type != PT_LOAD && ph[i].p_type != PT_DYNAMIC)
            continue;
        uint64_t off = ph[i].p_offset, len = ph[i].p_filesz;
        if (off > size || len > size - off) {
            char why[192];
            snprintf(why, sizeof why,
                     "truncated ELF file: segment %u ends at byte %llu, the file has %llu", i,
                     (unsigned long long)(off + len), (unsigned long long)size);
            return elf_refuse(err, path, why);
        }
    }
    return DQ_OK;
}

int dq__elf_precheck(const char *path, dq_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return elf_refuse(err, path, strerror(errno));
    struct stat st;
    int rc = DQ_OK;
    if (fstat(fd, &st) != 0) {
        rc = elf_refuse(err, path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = elf_refuse(err, path, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    } else {
        uint64_t size = (uint64_t)st.st_size;
        elf_ehdr_t eh;
        if (size < SELFMAG || elf_pread(fd, &eh, SELFMAG, 0) != 0 ||
            memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
            /* The dynamic linker's own words for this case. */
            rc = elf_refuse(err, path, "invalid ELF header (not an ELF file)");
        } else if (size < sizeof eh || elf_pread(fd, &eh, sizeof eh, 0) != 0) {
            char why[128];
            snprintf(why, sizeof why, "truncated ELF file: %llu bytes, shorter than its header",
                     (unsigned long long)size);
            rc = elf_refuse(err, path, why);
        } else if ((rc = elf_check_header(&eh, size, path, err)) == DQ_OK) {
            rc = elf_check_segments(fd, &eh, size, path, err);
        }
    }
    close(fd);
    return rc;
}

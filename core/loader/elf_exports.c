/* SPDX-License-Identifier: MIT */
/* elf_exports.c -- the dynamic symbols an ELF64 shared object defines, read from its
 * .dynsym and .dynstr (what `nm -D --defined-only` lists), for the exports check. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dq/host/conform.h>

#include "file.h"

/* Plugins are small; this bounds what a bad path could make us read. */
#define ELF_MAX_FILE ((size_t)1 << 30)

typedef struct elf_file {
    unsigned char *data;
    size_t size;
} elf_file_t;

static int elf_read_file(const char *path, elf_file_t *f, dq_error_t *err)
{
    dq__file_t file;
    int rc = dq__file_read(path, ELF_MAX_FILE, &file);
    if (rc == DQ_ENOMEM)
        return dq_error_set(err, rc, path, "cannot read '%s': out of memory", path);
    if (rc)
        return dq_error_set(err, rc, path, "cannot %s '%s': %s", file.opened ? "read" : "open",
                            path, file.opened ? "read error" : strerror(file.sys_errno));
    f->data = (unsigned char *)file.data;
    f->size = file.size;
    return DQ_OK;
}

/* True when [off, off + len) lies inside the file (without overflowing). */
static int elf_fits(const elf_file_t *f, uint64_t off, uint64_t len)
{
    return off <= f->size && len <= f->size - off;
}

static int elf_bad(const char *path, dq_error_t *err, const char *what)
{
    return dq_error_set(err, DQ_EINVAL, path, "'%s' is not a valid ELF64 file: %s", path, what);
}

/* Section header i, copied out: the file's bytes need not be aligned for Elf64_Shdr. */
static int elf_section(const elf_file_t *f, const Elf64_Ehdr *eh, uint64_t shnum, uint64_t i,
                       Elf64_Shdr *out)
{
    if (i >= shnum)
        return -1;
    memcpy(out, f->data + eh->e_shoff + i * sizeof *out, sizeof *out);
    return 0;
}

static int elf_add(dq_elf_exports_t *out, const char *name, size_t len)
{
    char **names = realloc(out->names, (out->count + 1) * sizeof *names);
    if (!names)
        return DQ_ENOMEM;
    out->names = names;
    char *copy = malloc(len + 1);
    if (!copy)
        return DQ_ENOMEM;
    memcpy(copy, name, len);
    copy[len] = '\0';
    names[out->count++] = copy;
    return DQ_OK;
}

static int elf_parse(const elf_file_t *f, const char *path, dq_elf_exports_t *out, dq_error_t *err)
{
    const unsigned char *id = f->data;
    if (f->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) != 0)
        return dq_error_set(err, DQ_EINVAL, path, "'%s' is not an ELF file", path);
    if (id[EI_CLASS] != ELFCLASS64)
        return dq_error_set(err, DQ_EINVAL, path, "'%s' is a %s ELF file; only 64-bit ELF is read",
                            path, id[EI_CLASS] == ELFCLASS32 ? "32-bit" : "unknown-class");
    const uint16_t probe = 1;
    const int little = *(const unsigned char *)&probe == 1;
    if (id[EI_DATA] != (little ? ELFDATA2LSB : ELFDATA2MSB))
        return dq_error_set(err, DQ_EINVAL, path,
                            "'%s' is an ELF file of the other byte order than this host", path);
    Elf64_Ehdr eh;
    if (f->size < sizeof eh)
        return elf_bad(path, err, "truncated header");
    memcpy(&eh, f->data, sizeof eh);
    if (eh.e_shoff == 0)
        return elf_bad(path, err, "no section headers");
    if (eh.e_shentsize != sizeof(Elf64_Shdr))
        return elf_bad(path, err, "unexpected section header size");
    uint64_t shnum = eh.e_shnum;
    if (shnum == 0) {
        /* Extended numbering: the count lives in section 0's sh_size. */
        Elf64_Shdr s0;
        if (!elf_fits(f, eh.e_shoff, sizeof s0))
            return elf_bad(path, err, "section headers outside the file");
        memcpy(&s0, f->data + eh.e_shoff, sizeof s0);
        shnum = s0.sh_size;
    }
    if (shnum > f->size / sizeof(Elf64_Shdr) ||
        !elf_fits(f, eh.e_shoff, shnum * sizeof(Elf64_Shdr)))
        return elf_bad(path, err, "section headers outside the file");

    Elf64_Shdr dynsym, dynstr;
    uint64_t i = 0;
    for (; i < shnum; ++i) {
        elf_section(f, &eh, shnum, i, &dynsym);
        if (dynsym.sh_type == SHT_DYNSYM)
            break;
    }
    if (i == shnum)
        return dq_error_set(err, DQ_EINVAL, path, "'%s' has no dynamic symbol table (.dynsym)",
                            path);
    if (dynsym.sh_entsize != sizeof(Elf64_Sym) || !elf_fits(f, dynsym.sh_offset, dynsym.sh_size))
        return elf_bad(path, err, ".dynsym is malformed");
    if (elf_section(f, &eh, shnum, dynsym.sh_link, &dynstr) != 0 || dynstr.sh_type != SHT_STRTAB ||
        !elf_fits(f, dynstr.sh_offset, dynstr.sh_size))
        return elf_bad(path, err, ".dynstr is missing or malformed");

    const char *strtab = (const char *)f->data + dynstr.sh_offset;
    const uint64_t n = dynsym.sh_size / sizeof(Elf64_Sym);
    /* Entry 0 is the reserved null symbol. */
    for (uint64_t k = 1; k < n; ++k) {
        Elf64_Sym sym;
        memcpy(&sym, f->data + dynsym.sh_offset + k * sizeof sym, sizeof sym);
        unsigned bind = ELF64_ST_BIND(sym.st_info);
        if (sym.st_shndx == SHN_UNDEF || ELF64_ST_VISIBILITY(sym.st_other) != STV_DEFAULT ||
            (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE))
            continue;
        if (sym.st_name >= dynstr.sh_size)
            return elf_bad(path, err, "a symbol name lies outside .dynstr");
        const char *name = strtab + sym.st_name;
        const char *end = memchr(name, '\0', dynstr.sh_size - sym.st_name);
        if (!end)
            return elf_bad(path, err, "a symbol name is not terminated");
        if (elf_add(out, name, (size_t)(end - name)) != DQ_OK)
            return dq_error_set(err, DQ_ENOMEM, path, "out of memory reading '%s'", path);
    }
    return DQ_OK;
}

int dq_elf_exports_read(const char *path, dq_elf_exports_t *out, dq_error_t *err)
{
    if (!out)
        return dq_error_set(err, DQ_EINVAL, NULL, "dq_elf_exports_read: no output");
    out->count = 0;
    out->names = NULL;
    if (!path)
        return dq_error_set(err, DQ_EINVAL, NULL, "dq_elf_exports_read: no path");
    elf_file_t f = {0};
    int rc = elf_read_file(path, &f, err);
    if (rc == DQ_OK)
        rc = elf_parse(&f, path, out, err);
    free(f.data);
    if (rc != DQ_OK)
        dq_elf_exports_cleanup(out);
    return rc;
}

void dq_elf_exports_cleanup(dq_elf_exports_t *ex)
{
    if (!ex)
        return;
    for (size_t i = 0; i < ex->count; ++i)
        free(ex->names[i]);
    free(ex->names);
    ex->names = NULL;
    ex->count = 0;
}

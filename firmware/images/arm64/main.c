/* An arm64 Image that learns its machine from the DTB in x0: the UART from
 * /chosen/stdout-path, the command line from /chosen/bootargs, the CPUs from
 * /cpus; starts each secondary with PSCI CPU_ON, waits for AFFINITY_INFO to
 * say it is off again, then SYSTEM_OFF. Freestanding, MMU off: 32-bit loads only. */
#include <stdint.h>

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xC4000003u
#define PSCI_AFFINITY_INFO 0xC4000004u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_FEATURES 0x8400000Au

long psci(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3);
unsigned long read_mpidr(void);
void secondary_entry(void);

static volatile uint32_t *uart;
static volatile uint32_t done_flag;

static uint32_t be32(const void *p)
{
	uint32_t v = *(const volatile uint32_t *)p;
	return __builtin_bswap32(v);
}

static void putc_(char c)
{
	while (uart[0x18 / 4] & (1u << 5))	/* UARTFR.TXFF */
		;
	uart[0] = (uint32_t)c;
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void puthex(unsigned long v)
{
	int shift = 60;
	puts_("0x");
	while (shift > 0 && !((v >> shift) & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		putc_("0123456789abcdef"[(v >> shift) & 0xf]);
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int slen(const char *s)
{
	int n = 0;
	while (s[n])
		n++;
	return n;
}

struct fdt {
	const char *structs, *strings;
};

/* The property ``prop`` of the node at ``path`` (absolute, unit names in full);
 * its length in *len, or 0 if absent. */
static const char *fdt_get(const struct fdt *f, const char *path, const char *prop, int *len)
{
	const char *p = f->structs;
	char cur[128];
	int depth = 0, curlen = 0;
	int lens[16];

	for (;;) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			int n = slen(p);
			lens[depth++] = curlen;
			if (depth > 1) {
				if (curlen != 1)
					cur[curlen++] = '/';
			} else {
				cur[curlen++] = '/';
			}
			for (int i = 0; i < n; i++)
				cur[curlen++] = p[i];
			cur[curlen] = 0;
			p += (n + 4) & ~3;
		} else if (tok == FDT_END_NODE) {
			curlen = lens[--depth];
			cur[curlen] = 0;
		} else if (tok == FDT_PROP) {
			uint32_t plen = be32(p), nameoff = be32(p + 4);
			if (streq(cur, path) && streq(f->strings + nameoff, prop)) {
				*len = (int)plen;
				return p + 8;
			}
			p += 8 + ((plen + 3) & ~3u);
		} else if (tok == FDT_NOP) {
			continue;
		} else {
			return 0;
		}
	}
}

static int count_cpus(const struct fdt *f, uint32_t *mpidrs)
{
	char path[] = "/cpus/cpu@0";
	int n = 0, len;
	for (int i = 0; i < 8; i++) {
		path[10] = (char)('0' + i);
		path[11] = 0;
		const char *reg = fdt_get(f, path, "reg", &len);
		if (!reg)
			break;
		mpidrs[n++] = be32(reg + len - 4);
	}
	return n;
}

void secondary_main(unsigned long index)
{
	puts_("cpu ");
	putc_((char)('0' + index));
	puts_(" up, mpidr ");
	puthex(read_mpidr());
	puts_("\n");
	done_flag = 1;
	psci(PSCI_CPU_OFF, 0, 0, 0);
	for (;;)
		;
}

void image_main(const char *dtb)
{
	struct fdt f = { dtb + be32(dtb + 8), dtb + be32(dtb + 12) };
	int len;
	uint32_t mpidrs[8];

	const char *out = fdt_get(&f, "/chosen", "stdout-path", &len);
	if (!out)
		psci(PSCI_SYSTEM_OFF, 0, 0, 0);
	const char *reg = fdt_get(&f, out, "reg", &len);
	if (!reg)
		psci(PSCI_SYSTEM_OFF, 0, 0, 0);
	uart = (volatile uint32_t *)(((unsigned long)be32(reg) << 32) | be32(reg + 4));

	extern char _head[];
	puts_("image at ");
	puthex((unsigned long)_head);
	puts_(", dtb at ");
	puthex((unsigned long)dtb);
	puts_(" magic ");
	puthex(be32(dtb));
	puts_("\nstdout ");
	puts_(out);
	puts_(" at ");
	puthex((unsigned long)uart);
	const char *args = fdt_get(&f, "/chosen", "bootargs", &len);
	puts_("\nbootargs: ");
	puts_(args ? args : "(none)");
	puts_("\npsci version ");
	puthex((unsigned long)psci(PSCI_VERSION, 0, 0, 0));
	puts_(", cpu_on feature ");
	puthex((unsigned long)psci(PSCI_FEATURES, PSCI_CPU_ON, 0, 0));
	int n = count_cpus(&f, mpidrs);
	puts_("\ncpus ");
	putc_((char)('0' + n));
	puts_("\ncpu 0 mpidr ");
	puthex(read_mpidr());
	puts_("\n");
	for (int i = 1; i < n; i++) {
		done_flag = 0;
		long r = psci(PSCI_CPU_ON, mpidrs[i], (unsigned long)secondary_entry, (unsigned long)i);
		if (r != 0) {
			puts_("cpu_on failed ");
			puthex((unsigned long)r);
			puts_("\n");
			continue;
		}
		while (!done_flag)
			;
		while (psci(PSCI_AFFINITY_INFO, mpidrs[i], 0, 0) != 1)	/* 1: OFF */
			;
		puts_("cpu ");
		putc_((char)('0' + i));
		puts_(" off again\n");
	}
	puts_("again on cpu 0: ");
	puthex((unsigned long)psci(PSCI_CPU_ON, mpidrs[0], (unsigned long)secondary_entry, 0));
	puts_("\nsystem off\n");
	psci(PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		;
}

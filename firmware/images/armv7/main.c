/*
 * What a 32-bit ARM kernel sees at entry: r0, r1, whether r2 points at a
 * flattened device tree (magic 0xd00dfeed, big-endian) and, if so, its
 * /chosen/bootargs.  Printed on i.MX6 UART1, left enabled by the boot chain.
 */
#include <stdint.h>

#define UART1_BASE 0x02020000u
#define UART_UTXD  0x40u
#define UART_USR1  0x94u
#define USR1_TRDY  (1u << 13)

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u

static void putc_(char c)
{
	volatile uint32_t *usr1 = (volatile uint32_t *)(UART1_BASE + UART_USR1);

	while (!(*usr1 & USR1_TRDY))
		;
	*(volatile uint32_t *)(UART1_BASE + UART_UTXD) = (uint8_t)c;
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void put_hex(uint32_t v)
{
	puts_("0x");
	for (int shift = 28; shift >= 0; shift -= 4)
		putc_("0123456789abcdef"[(v >> shift) & 0xf]);
}

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static uint32_t strsize(const char *s)
{
	uint32_t n = 0;

	while (s[n])
		n++;
	return n + 1;
}

/* /chosen/bootargs of the tree at fdt, or 0 */
static const char *fdt_bootargs(const uint8_t *fdt)
{
	const uint8_t *p = fdt + be32(fdt + 8);
	const char *strings = (const char *)fdt + be32(fdt + 12);
	int depth = 0, in_chosen = 0;

	for (;;) {
		uint32_t token = be32(p);

		p += 4;
		if (token == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;

			depth++;
			in_chosen = depth == 2 && streq(name, "chosen");
			p += (strsize(name) + 3) & ~3u;
		} else if (token == FDT_END_NODE) {
			depth--;
			in_chosen = 0;
		} else if (token == FDT_PROP) {
			uint32_t len = be32(p), nameoff = be32(p + 4);

			if (in_chosen && streq(strings + nameoff, "bootargs"))
				return (const char *)p + 8;
			p += 8 + ((len + 3) & ~3u);
		} else if (token != FDT_NOP) {
			return 0;	/* FDT_END or a malformed tree */
		}
	}
}

int image_main(uint32_t r0, uint32_t r1, uint32_t r2)
{
	const uint8_t *fdt = (const uint8_t *)r2;

	puts_("armv7 image: r0=");
	put_hex(r0);
	puts_(" r1=");
	put_hex(r1);
	puts_(" r2=");
	put_hex(r2);
	putc_('\n');
	if (!r2 || r2 & 3 || be32(fdt) != FDT_MAGIC) {
		puts_("r2: no device tree\n");
		return 1;
	}
	puts_("r2: device tree\n");
	const char *args = fdt_bootargs(fdt);

	puts_("bootargs: ");
	puts_(args ? args : "(none)");
	putc_('\n');
	return 0;
}

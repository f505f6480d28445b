/* arm64 Image header (Linux Documentation/arch/arm64/booting.rst) and entry.
 * The boot loader enters at offset 0 with x0 = the DTB's address; secondaries
 * come in at secondary_entry through PSCI CPU_ON with x0 = their context (index). */
	.section .head, "ax"
	.global _head
_head:
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0x80000			/* text_offset: loaded at a 2 MiB boundary + 0x80000 */
	.quad	_end - _head		/* image_size: what the loader must leave free */
	.quad	0x2			/* flags: little-endian, 4 KiB pages */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic at 0x38 */
	.long	0			/* res5: no PE header */

	.text
primary_entry:
	adr	x1, stacks_top
	mov	sp, x1
	b	image_main		/* x0: the DTB */

	.global secondary_entry
secondary_entry:			/* x0: context = CPU index */
	adr	x1, stacks_top
	lsl	x2, x0, #12
	sub	x1, x1, x2
	mov	sp, x1
	b	secondary_main

	.global psci
psci:					/* x0 = function, x1..x3 = arguments: hvc, the DT's conduit */
	hvc	#0
	ret

	.global read_mpidr
read_mpidr:
	mrs	x0, mpidr_el1
	ret

	.bss
	.balign	16
	.space	4096 * 8
stacks_top:

/* QEMU's and Bochs's standard VGA (PCI 1234:1111, `-vga std`): its DISPI
 * registers, reached through BAR2's MMIO window, set the display mode, so the
 * resolution can change after boot. Claims the device only when the boot
 * framebuffer lies in its video memory (BAR0); otherwise the screen stays
 * whatever the loader set. Register numbers from Bochs's vbe.h (the interface
 * QEMU implements). */

#define LOG_TAG "fb"
#include <osc/boot.h>
#include <osc/errno.h>
#include <osc/fb.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/pci.h>

#define DISPI_MMIO_OFFSET   0x500       /* in BAR2: index i at 0x500 + 2 i */
#define DISPI_ID            0x0
#define DISPI_XRES          0x1
#define DISPI_YRES          0x2
#define DISPI_BPP           0x3
#define DISPI_ENABLE        0x4
#define DISPI_VIRT_WIDTH    0x6
#define DISPI_VIRT_HEIGHT   0x7
#define DISPI_X_OFFSET      0x8
#define DISPI_Y_OFFSET      0x9
#define DISPI_VIDEO_MEM_64K 0xa
#define DISPI_ID_MIN        0xb0c0
#define DISPI_ID_MAX        0xb0c5
#define DISPI_ENABLED       0x01
#define DISPI_LFB_ENABLED   0x40
#define DISPI_NOCLEARMEM    0x80

struct dispi {
    volatile uint16_t *regs;
};

static struct dispi the_dispi;

static uint16_t rd(struct dispi *d, unsigned idx) { return d->regs[idx]; }
static void wr(struct dispi *d, unsigned idx, uint16_t v) { d->regs[idx] = v; }

static int dispi_set_mode(void *ctx, uint32_t w, uint32_t h)
{
    struct dispi *d = ctx;
    wr(d, DISPI_ENABLE, 0);
    wr(d, DISPI_BPP, 32);
    wr(d, DISPI_XRES, (uint16_t)w);
    wr(d, DISPI_YRES, (uint16_t)h);
    wr(d, DISPI_VIRT_WIDTH, (uint16_t)w);
    wr(d, DISPI_VIRT_HEIGHT, (uint16_t)h);
    wr(d, DISPI_X_OFFSET, 0);
    wr(d, DISPI_Y_OFFSET, 0);
    wr(d, DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB_ENABLED | DISPI_NOCLEARMEM);
    /* The device clamps what it cannot show: read back what it took. */
    return rd(d, DISPI_XRES) == w && rd(d, DISPI_YRES) == h && rd(d, DISPI_BPP) == 32 ? 0 : -EINVAL;
}

static int dispi_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
    (void)id;
    const struct pci_bar *vram = &pci->bars[0], *mmio = &pci->bars[2];
    paddr_t fb = boot_info.fb.addr;
    if (!boot_info.has_framebuffer || vram->kind == PCI_BAR_NONE || vram->kind == PCI_BAR_IO ||
        fb < vram->base || fb >= vram->base + vram->size)
        return -ENODEV;         /* the screen is not on this device */
    if (mmio->kind != PCI_BAR_MEM32 && mmio->kind != PCI_BAR_MEM64)
        return -ENODEV;         /* an old device without the MMIO window */
    if (mmio->size < DISPI_MMIO_OFFSET + 0x20)
        return -ENODEV;
    uint8_t *regs = vmm_map_mmio(mmio->base, (size_t)mmio->size, MAP_NOCACHE | MAP_WRITE);
    if (!regs)
        return -ENOMEM;
    struct dispi *d = &the_dispi;
    d->regs = (volatile uint16_t *)(regs + DISPI_MMIO_OFFSET);
    uint16_t ver = rd(d, DISPI_ID);
    if (ver < DISPI_ID_MIN || ver > DISPI_ID_MAX) {
        log_warn("%s: DISPI id %#x not known: modes stay fixed", pci->name, ver);
        return -ENODEV;
    }
    size_t bytes = (size_t)vram->size;
    uint16_t mem64k = rd(d, DISPI_VIDEO_MEM_64K);
    if (mem64k && (size_t)mem64k * 65536 < bytes)
        bytes = (size_t)mem64k * 65536;
    uint8_t *pixels = vmm_map_mmio(vram->base, bytes, MAP_WC | MAP_WRITE);
    if (!pixels)
        return -ENOMEM;
    fb_register_mode_setter(&(struct fb_mode_setter){ .set_mode = dispi_set_mode, .ctx = d,
                                                      .vram = pixels, .vram_bytes = bytes });
    return 0;
}

static const struct pci_device_id dispi_ids[] = {
    { 0x1234, 0x1111, 0, 0 },
    { 0, 0, 0, 0 },
};

PCI_DRIVER(bochs_dispi) = { .name = "bochs-dispi", .ids = dispi_ids, .probe = dispi_probe };

/*
 * ps2.c - PS/2 keyboard (IBM Model M / MF2 behaviour, as in the IBM PS/2
 * Keyboard and Auxiliary Device technical reference) and PS/2 mouse with
 * the Microsoft IntelliMouse (ID 3) and IntelliMouse Explorer (ID 4)
 * extensions.
 *
 * Keyboard: commands 0xed, 0xee, 0xf0, 0xf2-0xf6, 0xf7-0xfd (set-3 key
 * types: acknowledged, not modelled), 0xfe, 0xff; scancode sets 1, 2 and
 * 3; Pause and Print Screen with their special sequences; typematic repeat
 * of the last key held, timed on the virtual clock.
 * Mouse: stream, remote and wrap modes, scaling, resolution, status,
 * sample rate (which paces stream packets on the virtual clock), the
 * wheel knocks.
 *
 * XXX: not modelled: the "fake shift" prefixes real keyboards add around
 * the gray navigation keys and keypad '/' (only Print Screen has them),
 * set 3's make-only/typematic key attributes (every key is make/break and
 * typematic), the BAT delay (0xaa comes at once).
 */
#include "hw/ps2.h"

#include <string.h>

/* ---- the byte queue ---- */

static void q_clear(Ps2Queue *q)
{
    q->rptr = q->count = 0;
}

static bool q_push(Ps2Queue *q, uint8_t b)
{
    if (q->count >= PS2_QUEUE_SIZE)
        return false;
    q->data[(q->rptr + q->count) % PS2_QUEUE_SIZE] = b;
    q->count++;
    return true;
}

static int q_pop(Ps2Queue *q)
{
    if (q->count == 0)
        return -1;
    uint8_t b = q->data[q->rptr];
    q->rptr = (q->rptr + 1) % PS2_QUEUE_SIZE;
    q->count--;
    return b;
}

/* ---- scancode tables ---- */

/*
 * The 8042's translation of set-2 codes to set-1 codes (IBM's table).
 * 0x83 (F7) and 0x84 (Alt+SysRq) are the only codes above 0x7f it
 * changes; the rest pass through, so ACK, BAT and ID bytes are
 * unchanged, except the ID's 0x83 which becomes 0x41.
 */
static const uint8_t set2_to_set1[0x80] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

uint8_t ps2_translate(uint8_t code)
{
    if (code < 0x80)
        return set2_to_set1[code];
    if (code == 0x83)
        return 0x41;
    if (code == 0x84)
        return 0x54;
    return code;
}

uint8_t ps2_set1_to_set2(uint8_t code)
{
    code &= 0x7f;
    /* The two keys whose set-2 code is above 0x7f. */
    if (code == 0x41)
        return 0x83;
    if (code == 0x54)
        return 0x84;
    for (int i = 1; i < 0x80; i++)
        if (set2_to_set1[i] == code)
            return (uint8_t)i;
    return 0;
}

/*
 * Set 3 (IBM PS/2 reference): the typewriter keys keep their set-2 codes;
 * these are the keys that differ, by key number (0x100 = E0 key), and set
 * 3 has no E0 prefixes.
 */
static const struct {
    uint16_t key;
    uint8_t code;
} set3_keys[] = {
    {0x01, 0x08},  {0x3b, 0x07},  {0x3c, 0x0f},  {0x3d, 0x17},  {0x3e, 0x1f},  {0x3f, 0x27},  {0x40, 0x2f},
    {0x41, 0x37},  {0x42, 0x3f},  {0x43, 0x47},  {0x44, 0x4f},  {0x57, 0x56},  {0x58, 0x5e},  {0x46, 0x5f},
    {0x3a, 0x14},  {0x1d, 0x11},  {0x38, 0x19},  {0x2b, 0x5c},  {0x56, 0x13},  {0x45, 0x76},  {0x37, 0x7e},
    {0x4a, 0x84},  {0x4e, 0x7c},  {0x54, 0x57},  {0x137, 0x57}, {0x146, 0x62}, {0x138, 0x39}, {0x11d, 0x58},
    {0x15b, 0x8b}, {0x15c, 0x8c}, {0x15d, 0x8d}, {0x152, 0x67}, {0x147, 0x6e}, {0x149, 0x6f}, {0x153, 0x64},
    {0x14f, 0x65}, {0x151, 0x6d}, {0x148, 0x63}, {0x14b, 0x61}, {0x150, 0x60}, {0x14d, 0x6a}, {0x135, 0x77},
    {0x11c, 0x79},
};

static uint8_t set3_code(uint16_t key)
{
    for (size_t i = 0; i < sizeof(set3_keys) / sizeof(set3_keys[0]); i++)
        if (set3_keys[i].key == key)
            return set3_keys[i].code;
    if (key & 0x100)
        return 0;
    return ps2_set1_to_set2((uint8_t)key);
}

/* ---- keyboard ---- */

#define KBD_TYPEMATIC_DEFAULT 0x2b /* 10.9 characters/s after 500 ms */

static void kbd_notify(Ps2Kbd *k)
{
    if (k->notify)
        k->notify(k->opaque);
}

static bool key_is_down(const Ps2Kbd *k, uint16_t key)
{
    return (k->down[key >> 3] >> (key & 7)) & 1;
}

uint64_t ps2_typematic_period_ns(uint8_t typematic)
{
    /* Period = (8 + A) * 2^B * 4.17 ms, A = bits 0-2, B = bits 3-4: that is
     * (8 + A) * 2^B / 240 s, from 33.3 ms (30/s) to 500 ms (2/s). */
    uint64_t a = typematic & 7, b = (typematic >> 3) & 3;
    return (8 + a) * (1ull << b) * NS_PER_SEC / 240;
}

uint64_t ps2_typematic_delay_ns(uint8_t typematic)
{
    return (uint64_t)(((typematic >> 5) & 3) + 1) * 250000000ull;
}

/* The bytes of a key event in the current set; returns the count. */
static int kbd_key_bytes(const Ps2Kbd *k, uint16_t key, bool down, uint8_t *out)
{
    bool ctrl = key_is_down(k, 0x1d) || key_is_down(k, 0x11d);
    bool shift = key_is_down(k, 0x2a) || key_is_down(k, 0x36);
    bool alt = key_is_down(k, 0x38) || key_is_down(k, 0x138);
    int n = 0;

    if (k->set == 3) {
        uint8_t c = set3_code(key);
        if (!c)
            return 0;
        if (!down)
            out[n++] = 0xf0;
        out[n++] = c;
        return n;
    }

    bool s1 = k->set == 1;
    if (key == PS2_KEY_PAUSE) {
        /* No break code; with Ctrl held the key is Break (E0 46). */
        static const uint8_t pause1[] = {0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5};
        static const uint8_t pause2[] = {0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77};
        static const uint8_t break1[] = {0xe0, 0x46, 0xe0, 0xc6};
        static const uint8_t break2[] = {0xe0, 0x7e, 0xe0, 0xf0, 0x7e};
        const uint8_t *src;
        if (!down)
            return 0;
        if (ctrl) {
            src = s1 ? break1 : break2;
            n = s1 ? (int)sizeof(break1) : (int)sizeof(break2);
        } else {
            src = s1 ? pause1 : pause2;
            n = s1 ? (int)sizeof(pause1) : (int)sizeof(pause2);
        }
        memcpy(out, src, (size_t)n);
        return n;
    }
    if (key == PS2_KEY_PRTSCR && alt) {
        /* Alt+Print Screen is SysRq, a key of its own (set 1 0x54). */
        if (s1) {
            out[n++] = down ? 0x54 : 0xd4;
        } else {
            if (!down)
                out[n++] = 0xf0;
            out[n++] = 0x84;
        }
        return n;
    }

    uint8_t c1 = key & 0x7f, c2 = ps2_set1_to_set2(c1);
    /* Print Screen alone comes wrapped in a fake left shift (E0 2A), which
     * it omits when Shift or Ctrl is already held. */
    bool fake_shift = key == PS2_KEY_PRTSCR && !ctrl && !shift;
    if (fake_shift && down) {
        out[n++] = 0xe0;
        if (s1) {
            out[n++] = 0x2a;
        } else {
            out[n++] = 0x12;
        }
    }
    if (s1) {
        if (key & 0x100)
            out[n++] = 0xe0;
        out[n++] = (uint8_t)(c1 | (down ? 0 : 0x80));
    } else {
        if (!c2)
            return 0;
        if (key & 0x100)
            out[n++] = 0xe0;
        if (!down)
            out[n++] = 0xf0;
        out[n++] = c2;
    }
    if (fake_shift && !down) {
        out[n++] = 0xe0;
        if (s1) {
            out[n++] = 0xaa;
        } else {
            out[n++] = 0xf0;
            out[n++] = 0x12;
        }
    }
    return n;
}

/*
 * Key data goes in whole or not at all. When it does not fit, the last
 * free slot gets the overrun code (0xff in set 1, 0x00 in sets 2 and 3)
 * and further keys are lost until the queue has room again.
 */
static void kbd_put_key_bytes(Ps2Kbd *k, const uint8_t *b, int n)
{
    if (k->q.count + n <= PS2_QUEUE_SIZE - 1) {
        for (int i = 0; i < n; i++)
            q_push(&k->q, b[i]);
    } else if (k->q.count < PS2_QUEUE_SIZE) {
        uint8_t over = k->set == 1 ? 0xff : 0x00;
        int last = (k->q.rptr + k->q.count - 1) % PS2_QUEUE_SIZE;
        if (k->q.count == 0 || k->q.data[last] != over)
            q_push(&k->q, over);
    }
}

/* Queues the key's bytes, if it has any in this set (false if not); the
 * caller notifies the controller. */
static bool kbd_send_key(Ps2Kbd *k, uint16_t key, bool down)
{
    uint8_t b[16];
    int n = kbd_key_bytes(k, key, down, b);
    if (n)
        kbd_put_key_bytes(k, b, n);
    return n != 0;
}

static void kbd_repeat(void *opaque)
{
    Ps2Kbd *k = opaque;
    if (!k->repeat_key || !k->scanning)
        return;
    /* Newer host events are waiting (the key's release may be among
     * them): they go first, the repeat waits a period. */
    if (!k->keyq_count) {
        kbd_send_key(k, k->repeat_key, true);
        kbd_notify(k);
    }
    event_schedule(k->clock, &k->repeat, k->repeat.when + ps2_typematic_period_ns(k->typematic));
}

static void kbd_stop_repeat(Ps2Kbd *k)
{
    k->repeat_key = 0;
    event_cancel(k->clock, &k->repeat);
}

static void set_bit(uint8_t *map, uint16_t key, bool on)
{
    if (on)
        map[key >> 3] |= (uint8_t)(1u << (key & 7));
    else
        map[key >> 3] &= (uint8_t) ~(1u << (key & 7));
}

/* A key event reaches the keyboard proper: its bytes are queued (when
 * scanning) and the typematic repeat follows it. */
static void kbd_do_key(Ps2Kbd *k, uint16_t key, bool down)
{
    set_bit(k->down, key, down);
    if (!k->scanning)
        return;
    /* Modifiers are tested before this key changes them: Pause after
     * Ctrl is Break, but Ctrl itself must not see itself held. */
    if (kbd_send_key(k, key, down))
        k->key_sent = clock_now(k->clock);
    if (down && key != PS2_KEY_PAUSE) {
        k->repeat_key = key;
        event_schedule(k->clock, &k->repeat, clock_now(k->clock) + ps2_typematic_delay_ns(k->typematic));
    } else if (!down && key == k->repeat_key) {
        kbd_stop_repeat(k);
    }
}

/* Held-back events go in, oldest first, until one has put bytes in the
 * (empty) queue; one not yet due waits for the feed event. Returns
 * whether bytes went in. */
static bool kbd_feed(Ps2Kbd *k)
{
    while (k->q.count == 0 && k->keyq_count) {
        uint64_t due = k->key_sent + PS2_KEY_GAP_NS;
        if (clock_now(k->clock) < due) {
            if (!event_pending(&k->feed))
                event_schedule(k->clock, &k->feed, due);
            return false;
        }
        uint16_t e = k->keyq[k->keyq_rptr];
        k->keyq_rptr = (k->keyq_rptr + 1) % PS2_KEYQ_SIZE;
        k->keyq_count--;
        kbd_do_key(k, e & 0x1ff, (e & PS2_KEYQ_DOWN) != 0);
    }
    return k->q.count != 0;
}

static void kbd_feed_due(void *opaque)
{
    Ps2Kbd *k = opaque;
    if (kbd_feed(k))
        kbd_notify(k);
}

/* The byte queue was flushed (a command): held-back events are dropped
 * with it, the guest's idea of what is held catching up with the host's. */
static void kbd_drop_held_back(Ps2Kbd *k)
{
    k->keyq_rptr = k->keyq_count = 0;
    memcpy(k->down, k->host_down, sizeof(k->down));
    event_cancel(k->clock, &k->feed);
}

void ps2_kbd_key(Ps2Kbd *k, uint16_t key, bool down)
{
    if (key == 0 || key >= 0x200)
        return;
    bool was = (k->host_down[key >> 3] >> (key & 7)) & 1;
    if (was == down)
        return; /* host auto-repeat, or a release we never saw pressed */
    if (k->q.count || k->keyq_count) {
        /* queued behind the bytes or events before it (kbd_feed) */
        int room = PS2_KEYQ_SIZE - k->keyq_count;
        if (room <= (down ? PS2_KEYQ_RELEASE_ROOM : 0))
            return; /* lost, like a key typed into a full buffer */
        k->keyq[(k->keyq_rptr + k->keyq_count) % PS2_KEYQ_SIZE] = (uint16_t)(key | (down ? PS2_KEYQ_DOWN : 0));
        k->keyq_count++;
        set_bit(k->host_down, key, down);
        return;
    }
    set_bit(k->host_down, key, down);
    kbd_do_key(k, key, down);
    kbd_notify(k);
}

static void kbd_reply(Ps2Kbd *k, uint8_t b)
{
    q_push(&k->q, b);
}

static void kbd_defaults(Ps2Kbd *k)
{
    k->typematic = KBD_TYPEMATIC_DEFAULT;
    kbd_stop_repeat(k);
}

void ps2_kbd_reset(Ps2Kbd *k)
{
    q_clear(&k->q);
    k->last = 0;
    k->param_cmd = 0;
    k->scanning = true;
    k->set = 2;
    k->leds = 0;
    memset(k->down, 0, sizeof(k->down));
    memset(k->host_down, 0, sizeof(k->host_down));
    k->keyq_rptr = k->keyq_count = 0;
    event_cancel(k->clock, &k->feed);
    kbd_defaults(k);
}

void ps2_kbd_init(Ps2Kbd *k, Clock *clock, Ps2NotifyFn notify, void *opaque)
{
    memset(k, 0, sizeof(*k));
    k->clock = clock;
    k->notify = notify;
    k->opaque = opaque;
    event_init(&k->repeat, "ps2-kbd-repeat", kbd_repeat, k);
    event_init(&k->feed, "ps2-kbd-feed", kbd_feed_due, k);
    ps2_kbd_reset(k);
}

/* A parameter byte for the pending command; false if it is a command. */
static bool kbd_param(Ps2Kbd *k, uint8_t val)
{
    uint8_t cmd = k->param_cmd;
    switch (cmd) {
    case 0xed: /* LEDs: bit 0 scroll, 1 num, 2 caps */
    case 0xf3: /* typematic rate/delay */
        if (val & 0x80)
            return false;
        if (cmd == 0xed)
            k->leds = val & 7;
        else
            k->typematic = val & 0x7f;
        k->param_cmd = 0;
        kbd_reply(k, PS2_ACK);
        return true;
    case 0xf0:
        if (val >= 0xed)
            return false;
        k->param_cmd = 0;
        if (val > 3) {
            kbd_reply(k, PS2_RESEND);
        } else if (val == 0) {
            kbd_reply(k, PS2_ACK);
            kbd_reply(k, k->set); /* translated to 0x43/0x41/0x3f */
        } else {
            k->set = val;
            kbd_reply(k, PS2_ACK);
        }
        return true;
    case 0xfb:
    case 0xfc:
    case 0xfd:
        /* A list of set-3 keys, ended by the next command. */
        if (val >= 0xed)
            return false;
        kbd_reply(k, PS2_ACK);
        return true;
    }
    return false;
}

void ps2_kbd_write(Ps2Kbd *k, uint8_t val)
{
    if (k->param_cmd && kbd_param(k, val)) {
        kbd_notify(k);
        return;
    }
    k->param_cmd = 0;
    switch (val) {
    case 0xed:
    case 0xf3:
    case 0xf0:
    case 0xfb:
    case 0xfc:
    case 0xfd:
        kbd_reply(k, PS2_ACK);
        k->param_cmd = val;
        break;
    case 0xee: /* echo, without an ACK */
        kbd_reply(k, 0xee);
        break;
    case 0xf2: /* identify: an MF2 keyboard */
        kbd_reply(k, PS2_ACK);
        kbd_reply(k, 0xab);
        kbd_reply(k, 0x83);
        break;
    case 0xf4: /* enable: clears the output buffer, starts scanning */
        q_clear(&k->q);
        kbd_drop_held_back(k);
        kbd_stop_repeat(k);
        kbd_reply(k, PS2_ACK);
        k->scanning = true;
        break;
    case 0xf5: /* default and disable */
        q_clear(&k->q);
        kbd_drop_held_back(k);
        kbd_defaults(k);
        kbd_reply(k, PS2_ACK);
        k->scanning = false;
        break;
    case 0xf6: /* default, keep scanning */
        q_clear(&k->q);
        kbd_drop_held_back(k);
        kbd_defaults(k);
        kbd_reply(k, PS2_ACK);
        break;
    case 0xf7:
    case 0xf8:
    case 0xf9:
    case 0xfa: /* set-3 key types, all keys */
        kbd_reply(k, PS2_ACK);
        break;
    case 0xfe:
        kbd_reply(k, k->last);
        break;
    case 0xff: /* reset: ACK, then the self test passes */
        q_clear(&k->q);
        kbd_drop_held_back(k);
        kbd_defaults(k);
        k->set = 2;
        k->leds = 0;
        k->scanning = true;
        kbd_reply(k, PS2_ACK);
        kbd_reply(k, PS2_BAT_OK);
        break;
    default:
        kbd_reply(k, PS2_RESEND);
        break;
    }
    kbd_notify(k);
}

bool ps2_kbd_has_data(const Ps2Kbd *k)
{
    return k->q.count > 0;
}

int ps2_kbd_read(Ps2Kbd *k)
{
    int b = q_pop(&k->q);
    if (b >= 0)
        k->last = (uint8_t)b;
    /* No notify: the controller is taking this byte and looks for the
     * next one itself once its buffer is free. */
    kbd_feed(k);
    return b;
}

/* ---- mouse ---- */

static void mouse_notify(Ps2Mouse *m)
{
    if (m->notify)
        m->notify(m->opaque);
}

static int mouse_packet_size(const Ps2Mouse *m)
{
    return m->id ? 4 : 3;
}

static void mouse_clear_motion(Ps2Mouse *m)
{
    m->dx = m->dy = m->dz = 0;
    m->sent_buttons = m->buttons;
}

static bool mouse_dirty(const Ps2Mouse *m)
{
    return m->dx || m->dy || m->dz || m->buttons != m->sent_buttons;
}

/* 2:1 scaling (stream mode only): small motion is damped, larger doubled. */
static int32_t mouse_scale(int32_t d)
{
    static const int8_t small[6] = {0, 1, 1, 3, 6, 9};
    int32_t a = d < 0 ? -d : d;
    a = a < 6 ? small[a] : 2 * a;
    return d < 0 ? -a : a;
}

/*
 * Queue one packet (the caller checked the room):
 *   byte 0: Yovf Xovf Ysign Xsign 1 Middle Right Left
 *   byte 1, 2: X and Y, the low 8 bits of 9-bit two's complement values
 *   byte 3 (ID 3): Z as 8-bit two's complement;
 *          (ID 4): 0 0 Btn5 Btn4 Z3 Z2 Z1 Z0
 * Motion beyond 9 bits sets the overflow bit and is lost, as the
 * hardware's counters are cleared after each report; the wheel's
 * remainder is kept for the next packet instead.
 */
static void mouse_send_packet(Ps2Mouse *m, bool scaled)
{
    int32_t dx = m->dx, dy = m->dy, dz = m->dz;
    uint8_t b0 = 0x08 | (m->buttons & 7);
    if (scaled && m->scale21) {
        dx = mouse_scale(dx);
        dy = mouse_scale(dy);
    }
    if (dx > 255 || dx < -256) {
        b0 |= 0x40;
        dx = dx > 0 ? 255 : -256;
    }
    if (dy > 255 || dy < -256) {
        b0 |= 0x80;
        dy = dy > 0 ? 255 : -256;
    }
    if (dx < 0)
        b0 |= 0x10;
    if (dy < 0)
        b0 |= 0x20;
    q_push(&m->q, b0);
    q_push(&m->q, (uint8_t)dx);
    q_push(&m->q, (uint8_t)dy);
    if (m->id) {
        int32_t lim = 7;
        dz = dz > lim ? lim : dz < -lim - 1 ? -lim - 1 : dz;
        uint8_t b3 = (uint8_t)dz;
        if (m->id == 4) {
            b3 &= 0x0f;
            if (m->buttons & PS2_MOUSE_BUTTON4)
                b3 |= 0x10;
            if (m->buttons & PS2_MOUSE_BUTTON5)
                b3 |= 0x20;
        }
        q_push(&m->q, b3);
    }
    m->dx = m->dy = 0;
    m->dz -= dz;
    m->sent_buttons = m->buttons;
}

static uint64_t mouse_period_ns(const Ps2Mouse *m)
{
    return NS_PER_SEC / (m->rate ? m->rate : 100);
}

/*
 * Stream mode: a packet goes out at once when the mouse has been idle for
 * a sample period, then at most one per period while motion keeps coming
 * (the event retries while the queue is too full for a packet).
 */
static void mouse_stream(Ps2Mouse *m)
{
    if (m->mode != PS2_MOUSE_STREAM || !m->reporting || event_pending(&m->sample))
        return;
    if (!mouse_dirty(m))
        return;
    if (m->q.count + mouse_packet_size(m) <= PS2_QUEUE_SIZE) {
        mouse_send_packet(m, true);
        mouse_notify(m);
    }
    event_schedule(m->clock, &m->sample, clock_now(m->clock) + mouse_period_ns(m));
}

static void mouse_sample(void *opaque)
{
    mouse_stream(opaque);
}

static int32_t clamp_acc(int64_t v)
{
    const int32_t lim = 1 << 20;
    return (int32_t)(v > lim ? lim : v < -lim ? -lim : v);
}

void ps2_mouse_event(Ps2Mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    /* A button change still waiting for its sample (a press and its
     * release inside one period, as a host that batches input delivers
     * a quick click) goes out now rather than merge away unseen. */
    uint8_t nb = (uint8_t)(buttons & 0x1f);
    if (nb != m->buttons && m->buttons != m->sent_buttons && m->mode == PS2_MOUSE_STREAM && m->reporting &&
        m->q.count + mouse_packet_size(m) <= PS2_QUEUE_SIZE) {
        mouse_send_packet(m, true);
        mouse_notify(m);
    }
    m->dx = clamp_acc((int64_t)m->dx + dx);
    m->dy = clamp_acc((int64_t)m->dy + dy);
    m->dz = clamp_acc((int64_t)m->dz + dz);
    m->buttons = (uint8_t)(buttons & 0x1f);
    mouse_stream(m);
}

static void mouse_defaults(Ps2Mouse *m)
{
    m->rate = 100;
    m->resolution = 2;
    m->scale21 = false;
    m->reporting = false;
    event_cancel(m->clock, &m->sample);
    mouse_clear_motion(m);
}

void ps2_mouse_reset(Ps2Mouse *m)
{
    q_clear(&m->q);
    m->last = 0;
    m->param_cmd = 0;
    m->mode = m->wrap_prev = PS2_MOUSE_STREAM;
    m->id = 0;
    memset(m->knock, 0, sizeof(m->knock));
    m->buttons = 0;
    mouse_defaults(m);
}

void ps2_mouse_init(Ps2Mouse *m, Clock *clock, Ps2NotifyFn notify, void *opaque)
{
    memset(m, 0, sizeof(*m));
    m->clock = clock;
    m->notify = notify;
    m->opaque = opaque;
    event_init(&m->sample, "ps2-mouse-sample", mouse_sample, m);
    ps2_mouse_reset(m);
}

static void mouse_reply(Ps2Mouse *m, uint8_t b)
{
    q_push(&m->q, b);
}

static void mouse_set_rate(Ps2Mouse *m, uint8_t rate)
{
    m->rate = rate;
    m->knock[0] = m->knock[1];
    m->knock[1] = m->knock[2];
    m->knock[2] = rate;
    /* The IntelliMouse knock 200, 100, 80 turns on the wheel; from there
     * the Explorer knock 200, 200, 80 turns on buttons 4 and 5. */
    if (m->knock[0] == 200 && m->knock[1] == 100 && rate == 80 && m->id == 0)
        m->id = 3;
    else if (m->knock[0] == 200 && m->knock[1] == 200 && rate == 80 && m->id == 3)
        m->id = 4;
}

void ps2_mouse_write(Ps2Mouse *m, uint8_t val)
{
    if (m->mode == PS2_MOUSE_WRAP && val != 0xec && val != 0xff) {
        mouse_reply(m, val);
        mouse_notify(m);
        return;
    }
    if (m->param_cmd) {
        uint8_t cmd = m->param_cmd;
        m->param_cmd = 0;
        if (cmd == 0xe8) {
            if (val > 3) {
                mouse_reply(m, PS2_RESEND);
            } else {
                m->resolution = val;
                mouse_reply(m, PS2_ACK);
            }
        } else {
            if (val == 0) {
                mouse_reply(m, PS2_RESEND);
            } else {
                mouse_set_rate(m, val);
                mouse_reply(m, PS2_ACK);
            }
        }
        mouse_notify(m);
        return;
    }
    /* A command stops what was being sent: the queue is flushed. */
    if (val != 0xfe)
        q_clear(&m->q);
    switch (val) {
    case 0xe6:
        m->scale21 = false;
        mouse_reply(m, PS2_ACK);
        break;
    case 0xe7:
        m->scale21 = true;
        mouse_reply(m, PS2_ACK);
        break;
    case 0xe8:
    case 0xf3:
        mouse_reply(m, PS2_ACK);
        m->param_cmd = val;
        break;
    case 0xe9: { /* status: 0 remote enabled scaling 0 left middle right */
        uint8_t s = 0;
        if (m->mode == PS2_MOUSE_REMOTE)
            s |= 0x40;
        if (m->reporting)
            s |= 0x20;
        if (m->scale21)
            s |= 0x10;
        if (m->buttons & PS2_MOUSE_LEFT)
            s |= 0x04;
        if (m->buttons & PS2_MOUSE_MIDDLE)
            s |= 0x02;
        if (m->buttons & PS2_MOUSE_RIGHT)
            s |= 0x01;
        mouse_reply(m, PS2_ACK);
        mouse_reply(m, s);
        mouse_reply(m, m->resolution);
        mouse_reply(m, m->rate);
        break;
    }
    case 0xea:
        m->mode = PS2_MOUSE_STREAM;
        mouse_clear_motion(m);
        mouse_reply(m, PS2_ACK);
        break;
    case 0xeb: /* read data: a packet whatever the mode, unscaled */
        mouse_reply(m, PS2_ACK);
        mouse_send_packet(m, false);
        break;
    case 0xec:
        if (m->mode == PS2_MOUSE_WRAP)
            m->mode = m->wrap_prev;
        mouse_clear_motion(m);
        mouse_reply(m, PS2_ACK);
        break;
    case 0xee:
        if (m->mode != PS2_MOUSE_WRAP)
            m->wrap_prev = m->mode;
        m->mode = PS2_MOUSE_WRAP;
        mouse_clear_motion(m);
        mouse_reply(m, PS2_ACK);
        break;
    case 0xf0:
        m->mode = PS2_MOUSE_REMOTE;
        mouse_clear_motion(m);
        mouse_reply(m, PS2_ACK);
        break;
    case 0xf2:
        mouse_reply(m, PS2_ACK);
        mouse_reply(m, m->id);
        break;
    case 0xf4:
        m->reporting = true;
        mouse_clear_motion(m);
        mouse_reply(m, PS2_ACK);
        break;
    case 0xf5:
        m->reporting = false;
        mouse_clear_motion(m);
        mouse_reply(m, PS2_ACK);
        break;
    case 0xf6:
        mouse_defaults(m);
        mouse_reply(m, PS2_ACK);
        break;
    case 0xfe:
        mouse_reply(m, m->last);
        break;
    case 0xff: {
        uint8_t buttons = m->buttons;
        ps2_mouse_reset(m);
        m->buttons = m->sent_buttons = buttons; /* still held */
        mouse_reply(m, PS2_ACK);
        mouse_reply(m, PS2_BAT_OK);
        mouse_reply(m, 0x00);
        break;
    }
    default:
        mouse_reply(m, PS2_RESEND);
        break;
    }
    mouse_notify(m);
}

bool ps2_mouse_has_data(const Ps2Mouse *m)
{
    return m->q.count > 0;
}

int ps2_mouse_read(Ps2Mouse *m)
{
    int b = q_pop(&m->q);
    if (b >= 0)
        m->last = (uint8_t)b;
    return b;
}

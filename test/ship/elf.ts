// Just enough of an ELF reader to say what machine an executable is for, which dynamic loader
// (PT_INTERP) it asks the kernel for, and which shared libraries (DT_NEEDED) it links: the loader
// and the libraries must exist in the image.
import { closeSync, openSync, readSync } from 'node:fs'

const MACHINES: Record<number, string> = { 62: 'x86-64', 183: 'aarch64' }
const PT_LOAD = 1
const PT_DYNAMIC = 2
const PT_INTERP = 3
const DT_NULL = 0n
const DT_NEEDED = 1n
const DT_STRTAB = 5n

export interface ElfInfo {
  machine: string
  interpreter: string | undefined
  /** Sonames of the shared libraries it links, in link order. */
  needed: string[]
}

interface Segment {
  type: number
  offset: number
  vaddr: number
  fileSize: number
}

export function readElf(path: string): ElfInfo {
  const fd = openSync(path, 'r')
  try {
    const read = (offset: number, length: number) => {
      const buffer = Buffer.alloc(length)
      readSync(fd, buffer, 0, length, offset)
      return buffer
    }
    const header = read(0, 64)
    if (header.toString('latin1', 0, 4) !== '\x7fELF' || header[4] !== 2 || header[5] !== 1) {
      throw new Error(`${path} is not a 64-bit little-endian ELF file`)
    }
    const machineCode = header.readUInt16LE(18)
    const phoff = Number(header.readBigUInt64LE(32))
    const phentsize = header.readUInt16LE(54)
    const phnum = header.readUInt16LE(56)
    const segments: Segment[] = []
    for (let i = 0; i < phnum; i++) {
      const ph = read(phoff + i * phentsize, phentsize)
      segments.push({
        type: ph.readUInt32LE(0),
        offset: Number(ph.readBigUInt64LE(8)),
        vaddr: Number(ph.readBigUInt64LE(16)),
        fileSize: Number(ph.readBigUInt64LE(32)),
      })
    }
    const cString = (offset: number) => {
      const bytes = read(offset, 256)
      return bytes.toString('latin1', 0, bytes.indexOf(0))
    }
    // The dynamic section names its string table by virtual address; a PT_LOAD maps it to the file.
    const fileOffset = (vaddr: number) => {
      const load = segments.find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.fileSize)
      if (!load) throw new Error(`${path}: address 0x${vaddr.toString(16)} is in no loaded segment`)
      return load.offset + vaddr - load.vaddr
    }

    const interp = segments.find((s) => s.type === PT_INTERP)
    const dynamic = segments.find((s) => s.type === PT_DYNAMIC)
    const needed: number[] = []
    let strtab: number | undefined
    if (dynamic) {
      const entries = read(dynamic.offset, dynamic.fileSize)
      for (let at = 0; at + 16 <= entries.length; at += 16) {
        const tag = entries.readBigUInt64LE(at)
        const value = Number(entries.readBigUInt64LE(at + 8))
        if (tag === DT_NULL) break
        if (tag === DT_NEEDED) needed.push(value)
        if (tag === DT_STRTAB) strtab = fileOffset(value)
      }
    }
    return {
      machine: MACHINES[machineCode] ?? `unknown (e_machine ${machineCode})`,
      interpreter: interp ? cString(interp.offset) : undefined,
      needed: strtab === undefined ? [] : needed.map((name) => cString(strtab! + name)),
    }
  } finally {
    closeSync(fd)
  }
}

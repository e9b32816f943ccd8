// Names for address ranges (CAMPUS_NETWORKS="10.0.0.0/8=Campus network,2001:db8::/32=Campus Wi-Fi"): the only
// "place" the account pages can honestly show, since no GeoIP database is available offline.
import { BlockList, isIP } from 'node:net';

export interface NamedNetwork {
  cidr: string;
  label: string;
}

/** Parses the list; each problem names the entry. */
export function parseNamedNetworks(raw: string | undefined): { networks: NamedNetwork[]; problems: string[] } {
  const networks: NamedNetwork[] = [];
  const problems: string[] = [];
  for (const entry of (raw ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    const cidr = (at < 0 ? entry : entry.slice(0, at)).trim();
    const label = at < 0 ? '' : entry.slice(at + 1).trim();
    if (!label || label.length > 64) {
      problems.push(`"${entry}" needs a label of 1–64 characters after "=", e.g. 10.0.0.0/8=Campus network`);
      continue;
    }
    if (!addTo(new BlockList(), cidr)) {
      problems.push(`"${cidr}" is not an address range such as 10.0.0.0/8 or 2001:db8::/32`);
      continue;
    }
    networks.push({ cidr, label });
  }
  return { networks, problems };
}

function addTo(list: BlockList, cidr: string): boolean {
  const [address = '', prefixText] = cidr.split('/');
  const family = isIP(address);
  const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
  if (!family || !/^\d{1,3}$/.test(prefixText ?? '0') || prefix > (family === 4 ? 32 : 128)) return false;
  try {
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    return true;
  } catch {
    return false;
  }
}

/** The label of the first range holding `ip`, or undefined (then only the address itself is known). */
export function createPlaceLookup(networks: readonly NamedNetwork[]): (ip: string | undefined) => string | undefined {
  const lists = networks.map((network) => {
    const list = new BlockList();
    addTo(list, network.cidr);
    return { list, label: network.label };
  });
  return (ip) => {
    const family = ip ? isIP(ip) : 0;
    if (!ip || !family) return undefined;
    return lists.find(({ list }) => list.check(ip, family === 4 ? 'ipv4' : 'ipv6'))?.label;
  };
}

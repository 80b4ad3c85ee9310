// A friendly default name, remembered per browser so a player keeps it across rooms.

const ADJECTIVES = [
  "Swift",
  "Brave",
  "Calm",
  "Lucky",
  "Sunny",
  "Quiet",
  "Bold",
  "Clever",
  "Jolly",
  "Nimble",
  "Witty",
  "Zesty",
];
const ANIMALS = [
  "Otter",
  "Falcon",
  "Panda",
  "Lynx",
  "Koala",
  "Heron",
  "Fox",
  "Gecko",
  "Bison",
  "Puffin",
  "Orca",
  "Moth",
];
const KEY = "roomgate.demo.name";
export const MAX_NAME = 24;

export function randomName(random: () => number = Math.random): string {
  const pick = (a: string[]) => a[Math.floor(random() * a.length)]!;
  return `${pick(ADJECTIVES)} ${pick(ANIMALS)}`;
}

export function savedName(): string {
  try {
    const saved = localStorage.getItem(KEY)?.trim();
    if (saved) return saved.slice(0, MAX_NAME);
  } catch {
    // storage can be disabled (private modes); a fresh name each visit is fine then
  }
  return randomName();
}

export function saveName(name: string) {
  try {
    localStorage.setItem(KEY, name);
  } catch {
    // see savedName
  }
}

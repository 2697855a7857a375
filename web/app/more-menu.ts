/**
 * The tab bar's "More" button: a disclosure (a button with aria-expanded and the list of links it shows), so the
 * screens few people need every day (their data, registering a venue) are one tap away without a tab each. Escape,
 * a choice, or a tap or focus elsewhere close it; Escape gives the focus back to the button.
 */
export class MoreMenu {
  constructor(
    private readonly button: HTMLButtonElement,
    private readonly menu: HTMLElement,
  ) {
    button.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    menu.addEventListener('click', (event) => {
      if ((event.target as Element).closest('a') !== null) this.close();
    });
    document.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || !this.isOpen) return;
      this.close();
      button.focus();
    });
    document.addEventListener('click', (event) => {
      if (this.isOpen && !this.contains(event.target)) this.close();
    });
    document.addEventListener('focusin', (event) => {
      if (this.isOpen && !this.contains(event.target)) this.close();
    });
  }

  get isOpen(): boolean {
    return this.button.getAttribute('aria-expanded') === 'true';
  }

  open(): void {
    this.button.setAttribute('aria-expanded', 'true');
    this.menu.hidden = false;
  }

  close(): void {
    this.button.setAttribute('aria-expanded', 'false');
    this.menu.hidden = true;
  }

  /** Marks the button when the screen shown is one of the menu's (the link itself has aria-current). */
  showCurrent(screen: string): void {
    const inMenu = [...this.menu.querySelectorAll('a')].some((a) => a.getAttribute('href') === `#${screen}`);
    this.button.classList.toggle('current', inMenu);
  }

  private contains(target: EventTarget | null): boolean {
    return target instanceof Node && (this.button.contains(target) || this.menu.contains(target));
  }
}

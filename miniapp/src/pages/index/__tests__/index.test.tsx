import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import Index from '../index';

describe('home page', () => {
  it('renders the product name', () => {
    render(<Index />);
    expect(screen.getByText('分期')).toBeTruthy();
  });
});
